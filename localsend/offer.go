package localsend

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
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
	// save is the path the file is saved under: item.Path (what the sender
	// named it, shown in the offer) made safe by savedir.Names.
	save string
}

// checkPrepare validates a decoded prepare-upload (see decodePrepare, which
// the server uses) and maps it onto a Lempar offer.
func checkPrepare(req *PrepareRequest) ([]rxItem, bool, error) {
	if err := req.Info.check(false); err != nil {
		return nil, false, fmt.Errorf("info: %w", err)
	}
	var c prepChecker
	for key, f := range req.Files {
		if err := c.add(key, f); err != nil {
			return nil, false, err
		}
	}
	return c.finish()
}

// decodePrepare reads a prepare-upload body one file entry at a time and
// checks it: the entries are never all held as a map beside the items made
// of them, so an offer costs about its body's size once (issue 13, item 3).
// Unknown fields are skipped; wrong types, duplicate file IDs and trailing
// data are refused.
func decodePrepare(b []byte) (DeviceInfo, []rxItem, bool, error) {
	var info DeviceInfo
	if !utf8.Valid(b) {
		return info, nil, false, errors.New("body is not UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	var c prepChecker
	err := objectFields(dec, func(key string) error {
		switch {
		case strings.EqualFold(key, "info"):
			return dec.Decode(&info)
		case strings.EqualFold(key, "files"):
			return objectFields(dec, func(id string) error {
				var f FileMeta
				if err := dec.Decode(&f); err != nil {
					return err
				}
				return c.add(id, f)
			})
		}
		var skip json.RawMessage
		return dec.Decode(&skip)
	})
	if err == nil {
		if _, terr := dec.Token(); terr != io.EOF {
			err = errors.New("trailing data after the JSON value")
		}
	}
	if err != nil {
		return info, nil, false, err
	}
	if err := info.check(false); err != nil {
		return info, nil, false, fmt.Errorf("info: %w", err)
	}
	items, text, err := c.finish()
	return info, items, text, err
}

// objectFields walks a JSON object (or null), calling field for each key
// with the decoder at its value.
func objectFields(dec *json.Decoder, field func(key string) error) error {
	t, err := dec.Token()
	if err != nil {
		return err
	}
	if t == nil {
		return nil
	}
	if d, ok := t.(json.Delim); !ok || d != '{' {
		return fmt.Errorf("%v where an object belongs", t)
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		if err := field(t.(string)); err != nil {
			return err
		}
	}
	_, err = dec.Token() // the closing brace
	return err
}

// prepChecker applies every rule that protects the download folder to an
// offer's files, one at a time, before anyone is asked: names go through
// savedir.Names (names only another system allows are saved under a safe
// name, hostile ones refused), sizes are bounded, duplicates refused.
type prepChecker struct {
	items []rxItem
	// Hashes of the IDs and names seen, not the strings: a 100,000-file
	// offer would otherwise hold every name twice more while it is read.
	// A collision (2^-64 per pair) only refuses an offer.
	seed    maphash.Seed
	ids     map[uint64]struct{}
	names   map[uint64]struct{}
	saved   savedir.Names
	total   int64
	notText bool
}

func (c *prepChecker) add(key string, f FileMeta) error {
	if c.ids == nil {
		c.seed, c.ids, c.names = maphash.MakeSeed(), map[uint64]struct{}{}, map[uint64]struct{}{}
	}
	if len(c.items) >= maxFiles {
		return fmt.Errorf("more than %d files", maxFiles)
	}
	if f.ID == "" {
		f.ID = key
	}
	idHash := maphash.String(c.seed, key)
	if _, dup := c.ids[idHash]; dup || f.ID != key || len(key) > maxIDBytes || !validFingerprint(key) {
		return fmt.Errorf("file ID %q is malformed", truncate(key))
	}
	if f.Size < 0 || f.Size > transfer.MaxTotalBytes {
		return fmt.Errorf("file %q has size %d", truncate(f.FileName), f.Size)
	}
	c.total += f.Size
	if c.total > transfer.MaxTotalBytes {
		return errors.New("offer is too large")
	}
	sum := strings.ToLower(deref(f.SHA256))
	if sum != "" && !isHex64(sum) {
		return fmt.Errorf("sha256 of %q is malformed", truncate(f.FileName))
	}
	if f.Preview != nil && len(*f.Preview) > maxPreview {
		return fmt.Errorf("preview of %q is too long", truncate(f.FileName))
	}
	nameHash := maphash.String(c.seed, f.FileName)
	if _, dup := c.names[nameHash]; dup {
		return fmt.Errorf("%q is offered twice", truncate(f.FileName))
	}
	save, err := c.saved.Save(f.FileName)
	if err != nil {
		return err
	}
	c.ids[idHash], c.names[nameHash] = struct{}{}, struct{}{}
	it := rxItem{id: key, sha256: sum, save: save, item: transfer.Item{Path: f.FileName, Kind: transfer.KindFile, Size: f.Size, MTime: modTime(f)}}
	if isMessage(f) && !c.notText {
		it.item.Text = *f.Preview // kept only while every entry is a message
	} else if !c.notText {
		c.notText = true
		for i := range c.items {
			c.items[i].item.Text = ""
		}
	}
	c.items = append(c.items, it)
	return nil
}

// finish turns an all-message offer into text items and sorts the items.
func (c *prepChecker) finish() ([]rxItem, bool, error) {
	if len(c.items) == 0 {
		return nil, false, errors.New("no files")
	}
	allText := !c.notText
	if allText {
		for i := range c.items {
			it := &c.items[i].item
			*it = transfer.Item{Kind: transfer.KindText, Size: it.Size, Text: it.Text}
		}
	}
	// A stable order (the sender's has none): by path, so the dialog lists
	// the files as a folder view would.
	sortItems(c.items)
	return c.items, allText, nil
}

// isMessage recognises a LocalSend text message: a text "file" (v2:
// text/plain; v1's file type is just "text") whose preview is the whole
// text, at most maxText bytes. The receiver shows it and answers 204 (v1:
// an empty file map); no upload follows.
func isMessage(f FileMeta) bool {
	return (strings.HasPrefix(f.FileType, "text/plain") || f.FileType == "text") && f.Preview != nil &&
		int64(len(*f.Preview)) == f.Size && f.Size <= maxText && utf8.ValidString(*f.Preview)
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
