package localsend

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lempar/lempar/savedir"
	"github.com/lempar/lempar/transfer"
)

// rxItem is one file of an incoming offer, checked.
type rxItem struct {
	id     string // the sender's file ID
	item   transfer.Item
	sha256 string // lowercase hex, or "" when not given
}

// checkPrepare validates a prepare-upload from the network and maps it
// onto a Lempar offer. Every rule that protects the download folder is
// applied here, before anyone is asked: names go through the engine's
// ValidateRelPath, sizes are bounded, duplicates refused.
func checkPrepare(req *PrepareRequest) ([]rxItem, bool, error) {
	if err := req.Info.check(false); err != nil {
		return nil, false, fmt.Errorf("info: %w", err)
	}
	if len(req.Files) == 0 {
		return nil, false, errors.New("no files")
	}
	if len(req.Files) > maxFiles {
		return nil, false, fmt.Errorf("%d files is too many", len(req.Files))
	}
	items := make([]rxItem, 0, len(req.Files))
	seen := make(map[string]bool, len(req.Files))
	var total int64
	allText := true
	for key, f := range req.Files {
		if f.ID == "" {
			f.ID = key
		}
		if f.ID != key || len(key) > maxIDBytes || !validFingerprint(key) {
			return nil, false, fmt.Errorf("file ID %q is malformed", truncate(key))
		}
		if f.Size < 0 || f.Size > transfer.MaxTotalBytes {
			return nil, false, fmt.Errorf("file %q has size %d", truncate(f.FileName), f.Size)
		}
		total += f.Size
		if total > transfer.MaxTotalBytes {
			return nil, false, errors.New("offer is too large")
		}
		sum := strings.ToLower(deref(f.SHA256))
		if sum != "" && !isHex64(sum) {
			return nil, false, fmt.Errorf("sha256 of %q is malformed", truncate(f.FileName))
		}
		if f.Preview != nil && len(*f.Preview) > maxPreview {
			return nil, false, fmt.Errorf("preview of %q is too long", truncate(f.FileName))
		}
		if err := savedir.ValidateRelPath(f.FileName); err != nil {
			return nil, false, err
		}
		fold := strings.ToLower(f.FileName)
		if seen[fold] {
			return nil, false, fmt.Errorf("%q is offered twice", truncate(f.FileName))
		}
		seen[fold] = true
		it := rxItem{id: key, sha256: sum, item: transfer.Item{Path: f.FileName, Kind: transfer.KindFile, Size: f.Size, MTime: modTime(f)}}
		if !isMessage(f) {
			allText = false
		}
		items = append(items, it)
	}
	if allText {
		for i := range items {
			f := req.Files[items[i].id]
			items[i].item = transfer.Item{Kind: transfer.KindText, Size: f.Size, Text: *f.Preview}
		}
	}
	// A stable order (the map has none): by path, so the dialog lists the
	// files as a folder view would.
	sortItems(items)
	return items, allText, nil
}

// isMessage recognises a LocalSend text message: a text/plain "file" whose
// preview is the whole text. The receiver shows it and answers 204; no
// upload follows.
func isMessage(f FileMeta) bool {
	return strings.HasPrefix(f.FileType, "text/plain") && f.Preview != nil &&
		int64(len(*f.Preview)) == f.Size && f.Size <= transfer.MaxTextBytes && utf8.ValidString(*f.Preview)
}

func modTime(f FileMeta) int64 {
	if f.Metadata == nil || f.Metadata.Modified == nil {
		return 0
	}
	t, err := time.Parse(time.RFC3339Nano, *f.Metadata.Modified)
	if err != nil {
		return 0
	}
	return t.UnixNano()
}

func sortItems(items []rxItem) {
	slices.SortFunc(items, func(a, b rxItem) int {
		return cmp.Or(cmp.Compare(a.item.Path, b.item.Path), cmp.Compare(a.id, b.id))
	})
}

func truncate(s string) string {
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	return s
}
