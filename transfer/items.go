package transfer

import (
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"unicode/utf8"

	"github.com/lempar/lempar/internal/errcode"
)

// Source is an item to send and where its bytes come from.
type Source struct {
	Item
	Local string // file on this disk; "" for dirs and text
}

// CollectSources turns paths a person picked (files and folders) into the
// items of an offer. A folder keeps its name as the top of the tree and its
// empty subfolders. Symlinks are skipped: following them could send files
// from outside what the person chose.
func CollectSources(paths []string) ([]Source, error) {
	var out []Source
	for _, p := range paths {
		abs, err := filepath.Abs(p)
		if err != nil {
			return nil, newErr(errcode.SourceMissing, err, "Path", p)
		}
		st, err := os.Lstat(abs)
		if err != nil {
			return nil, newErr(errcode.SourceMissing, err, "Path", p)
		}
		base := filepath.Base(abs)
		if !utf8.ValidString(base) {
			return nil, newErr(errcode.SourceBadName, nil, "Path", p)
		}
		switch {
		case st.Mode().IsRegular():
			out = append(out, fileSource(abs, base, st))
		case st.IsDir():
			more, err := walkDir(abs, base)
			if err != nil {
				return nil, err
			}
			out = append(out, more...)
		default:
			return nil, newErr(errcode.SourceNotRegular, nil, "Path", p)
		}
	}
	if len(out) == 0 {
		return nil, newErr(errcode.EmptyOffer, nil)
	}
	return out, nil
}

func walkDir(abs, base string) ([]Source, error) {
	var out []Source
	err := filepath.WalkDir(abs, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return newErr(errcode.SourceUnreadable, err, "Path", p)
		}
		rel, err := filepath.Rel(abs, p)
		if err != nil {
			return err
		}
		wire := path.Join(base, filepath.ToSlash(rel))
		switch {
		case d.IsDir():
			out = append(out, Source{Item: Item{Path: wire, Kind: KindDir}})
		case d.Type().IsRegular():
			st, err := d.Info()
			if err != nil {
				return newErr(errcode.SourceUnreadable, err, "Path", p)
			}
			out = append(out, fileSource(p, wire, st))
		}
		return nil
	})
	return out, err
}

func fileSource(local, wire string, st fs.FileInfo) Source {
	return Source{
		Local: local,
		Item: Item{
			Path:  wire,
			Kind:  KindFile,
			Size:  st.Size(),
			Mode:  uint32(st.Mode().Perm()),
			MTime: st.ModTime().UnixNano(),
		},
	}
}

// TextSource makes a text item.
func TextSource(text string) (Source, error) {
	if len(text) > MaxTextBytes {
		return Source{}, newErr(errcode.TextTooLong, nil, "Max", MaxTextBytes/1024)
	}
	if !utf8.ValidString(text) {
		return Source{}, newErr(errcode.TextNotUTF8, nil)
	}
	return Source{Item: Item{Kind: KindText, Size: int64(len(text)), Text: text}}, nil
}
