package i18n

import (
	"strings"
	"testing"
)

func TestFormatSize(t *testing.T) {
	for in, want := range map[int64]string{
		0: "0 B", 999: "999 B", 1000: "1.0 kB", 99_949: "99.9 kB", 99_950: "100 kB",
		845_000: "845 kB", 999_499: "999 kB", 999_949: "1.0 MB", 1_150_845_064: "1.2 GB",
	} {
		if got := FormatSize(in, "."); got != want {
			t.Errorf("FormatSize(%d) = %q, want %q", in, got, want)
		}
	}
	if got := FormatClock(3725e9); got != "1:02:05" {
		t.Errorf("FormatClock = %q", got)
	}
	if got := FormatClock(-1); got != "0:00" {
		t.Errorf("FormatClock(-1) = %q", got)
	}
	id := Load("id")
	if got := id.Size(1_150_845_064); got != "1,2 GB" {
		t.Errorf("Indonesian Size = %q, want a decimal comma", got)
	}
	if got := id.Size(12); got != "12 byte" {
		t.Errorf("Indonesian Size(12) = %q", got)
	}
	if got := Load("en").Size(12); got != "12 bytes" {
		t.Errorf("English Size(12) = %q", got)
	}
}

func TestBytesArgument(t *testing.T) {
	args := []any{"Name", "Budi", "Need", Bytes(2_100_000_000), "Free", Bytes(512_000_000), "Dir", "/x"}
	id := Load("id").T("err.no-space", args...)
	if !strings.Contains(id, "2,1 GB") || !strings.Contains(id, "512 MB") {
		t.Fatalf("Indonesian: %q", id)
	}
	if en := Load("en").T("err.no-space", args...); !strings.Contains(en, "need 2.1 GB") {
		t.Fatalf("English: %q", en)
	}
	if args[3] != Bytes(2_100_000_000) {
		t.Fatal("T changed the caller's arguments")
	}
}
