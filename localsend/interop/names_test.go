package interop

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// clashJS offers two files whose names differ only in case in one
// prepare-upload, as a phone's LocalSend does when told to send both, then
// uploads them. The npm CLI sends one file per session, so this is the
// same protocol in a few lines of node on the peer's host (the ids are the
// npm CLI's: the md5 of the path).
const clashJS = `
const fs = require("node:fs"), crypto = require("node:crypto"), path = require("node:path");
const [base, ...files] = process.argv.slice(1);
(async () => {
  const meta = {};
  for (const f of files) {
    const data = fs.readFileSync(f), id = crypto.createHash("md5").update(f).digest("hex");
    meta[id] = {id, fileName: path.basename(f), size: data.length, fileType: "image/jpeg",
      sha256: crypto.createHash("sha256").update(data).digest("hex"), data};
  }
  const info = {alias: "LS-Phone", version: "2.1", deviceModel: "Pixel", deviceType: "mobile",
    fingerprint: crypto.randomBytes(32).toString("hex"), port: 53317, protocol: "https", download: false};
  const files2 = {};
  for (const [id, m] of Object.entries(meta)) { const {data, ...rest} = m; files2[id] = rest; }
  const r = await fetch(base + "/api/localsend/v2/prepare-upload", {method: "POST",
    headers: {"content-type": "application/json"}, body: JSON.stringify({info, files: files2})});
  if (r.status !== 200) { console.log("prepare-upload " + r.status + " " + await r.text()); process.exit(1); }
  const prep = await r.json();
  for (const [id, m] of Object.entries(meta)) {
    const u = base + "/api/localsend/v2/upload?sessionId=" + prep.sessionId + "&fileId=" + id + "&token=" + prep.files[id];
    const up = await fetch(u, {method: "POST", body: m.data});
    if (up.status !== 200) { console.log("upload " + up.status); process.exit(1); }
  }
  console.log("uploaded");
})().catch(e => { console.log(String(e)); process.exit(1); });
`

func TestLocalSendNamesOtherSystemsAllow(t *testing.T) {
	r := newRig(t)
	dl := filepath.Join(t.TempDir(), "Lempar")
	lem := r.lempar(helperCfg{Accept: "yes", DownloadDir: dl})
	src := t.TempDir()

	t.Run("a colon from the npm CLI", func(t *testing.T) {
		f := filepath.Join(src, "Meeting notes: 10:30.txt")
		data := randFile(t, f, 12_345)
		snd := r.ls("ls-send", "send", "--protocol", "https", "--alias", "LS-Mac", lemparIP, f)
		if code := snd.Exit(30 * time.Second); code != 0 {
			t.Fatalf("send exited %d:\n%s", code, snd.Output())
		}
		ev := lem.line(func(l evLine) bool { return l.Kind == "event" && l.Direction == "in" && isFinal(l) }, 10*time.Second)
		if ev.State != "done" || !slices.Equal(ev.Saved, []string{"Meeting notes_ 10_30.txt"}) {
			t.Fatalf("event %+v", ev)
		}
		waitTree(t, dl, map[string][]byte{"Meeting notes_ 10_30.txt": data})
	})

	t.Run("a case clash in one offer", func(t *testing.T) {
		dir := filepath.Join(src, "clash")
		lower := randFile(t, filepath.Join(dir, "lower", "image.jpg"), 20_000)
		upper := randFile(t, filepath.Join(dir, "upper", "IMAGE.JPG"), 30_000)
		cmd := r.lan.Command(lsHost, r.node, "-e", clashJS, "https://"+lemparIP+":53317",
			filepath.Join(dir, "lower", "image.jpg"), filepath.Join(dir, "upper", "IMAGE.JPG"))
		cmd.Env = append(os.Environ(), "NODE_TLS_REJECT_UNAUTHORIZED=0", "NODE_NO_WARNINGS=1")
		p := startProc(t, "ls-clash", cmd)
		if code := p.Exit(30 * time.Second); code != 0 {
			t.Fatalf("node exited %d:\n%s", code, p.Output())
		}
		ev := lem.line(func(l evLine) bool { return l.Kind == "event" && l.Direction == "in" && isFinal(l) }, 10*time.Second)
		saved := slices.Sorted(slices.Values(ev.Saved))
		if ev.State != "done" || ev.PeerName != "LS-Phone" || len(saved) != 2 || strings.EqualFold(saved[0], saved[1]) {
			t.Fatalf("event %+v", ev)
		}
		got := contents(t, dl)
		var lowerAt, upperAt string
		for name, b := range got {
			switch string(b) {
			case string(lower):
				lowerAt = name
			case string(upper):
				upperAt = name
			}
		}
		// Either may keep the name; the other carries " (1)".
		if !slices.Contains(ev.Saved, lowerAt) || !slices.Contains(ev.Saved, upperAt) ||
			!strings.EqualFold(strings.Replace(lowerAt+"|"+upperAt, " (1)", "", 1), "image.jpg|image.jpg") {
			t.Fatalf("saved %v; image.jpg at %q, IMAGE.JPG at %q", ev.Saved, lowerAt, upperAt)
		}
	})
	lem.stop()
}
