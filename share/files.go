package share

import (
	"errors"
	"io/fs"
	"mime"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
)

// File is one file a share offers. Downloads name it by ID only: the path
// on disk never leaves this process and no path from a request is opened.
type File struct {
	ID   string // random (UUID v4), unique across shares
	Name string // shown, and the name inside the zip: "Photos/a.jpg", slash-separated, safe
	Path string // where it is on disk
	Size int64  // when the share started
	Type string // MIME type from the extension
	Mod  time.Time
	// inFolder: found by walking a chosen folder, where a link is never
	// followed, also when it replaced the file after the share started.
	inFolder bool
}

// MaxFiles bounds one share: a folder with more files than this is refused
// (the page lists every file, and each takes memory here).
const MaxFiles = 10000

// collect lists the files under paths: files as they are, folders walked
// (their files named "Folder/sub/file"). Symbolic links inside folders are
// skipped, never followed: a link in a shared folder must not share what
// it points to. Items that are neither files nor folders are skipped.
func collect(paths []string) ([]File, error) {
	var out []File
	taken := map[string]bool{}
	add := func(name, p string, fi fs.FileInfo, inFolder bool) error {
		if len(out) >= MaxFiles {
			return shareErr("share.err.too-many", "Max", MaxFiles)
		}
		name = uniqueName(safeName(name), taken)
		out = append(out, File{
			ID: uuid.NewString(), Name: name, Path: p, Size: fi.Size(),
			Type: mimeOf(name), Mod: fi.ModTime(), inFolder: inFolder,
		})
		return nil
	}
	for _, p := range paths {
		abs, err := filepath.Abs(p)
		if err != nil {
			return nil, shareErr("share.err.read", "Name", p, "Detail", err.Error())
		}
		fi, err := os.Stat(abs) // an item the person chose may itself be a link: they meant its target
		if err != nil {
			return nil, shareErr("share.err.read", "Name", p, "Detail", plainCause(err))
		}
		if fi.Mode().IsRegular() {
			if err := add(filepath.Base(abs), abs, fi, false); err != nil {
				return nil, err
			}
			continue
		}
		if !fi.IsDir() {
			continue
		}
		base := filepath.Base(abs)
		err = filepath.WalkDir(abs, func(q string, d fs.DirEntry, err error) error {
			if err != nil {
				if q == abs {
					return err
				}
				return nil // an unreadable subfolder: share the rest
			}
			if !d.Type().IsRegular() {
				return nil // folders are walked; links, devices, sockets skipped
			}
			rel, err := filepath.Rel(abs, q)
			if err != nil {
				return nil
			}
			info, err := d.Info()
			if err != nil {
				return nil
			}
			return add(base+"/"+filepath.ToSlash(rel), q, info, true)
		})
		if err != nil {
			var se *Error
			if errors.As(err, &se) {
				return nil, err
			}
			return nil, shareErr("share.err.read", "Name", p, "Detail", plainCause(err))
		}
	}
	if len(out) == 0 {
		return nil, shareErr("share.err.empty")
	}
	return out, nil
}

func plainCause(err error) string {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "not found"
	case errors.Is(err, fs.ErrPermission):
		return "permission denied"
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// safeName makes a name that is safe inside a zip and in a download's
// file name on any system: slash-separated segments without "." or "..",
// no backslashes, drive colons, control or bidi characters. The names come
// from our own disk, but a file on Linux may be called "a\b" or ":x".
func safeName(name string) string {
	segs := strings.Split(name, "/")
	out := segs[:0]
	for _, s := range segs {
		s = strings.Map(func(r rune) rune {
			switch {
			case r == '\\' || r == ':' || r == utf8.RuneError:
				return '_'
			case unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r):
				return '_'
			}
			return r
		}, s)
		if s == "" || s == "." || s == ".." {
			s = "_"
		}
		out = append(out, s)
	}
	return strings.Join(out, "/")
}

// uniqueName keeps names distinct within a share (two chosen folders both
// called "Photos"): the zip must not hold one name twice.
func uniqueName(name string, taken map[string]bool) string {
	cand := name
	ext := path.Ext(name)
	stem := strings.TrimSuffix(name, ext)
	for i := 2; taken[strings.ToLower(cand)]; i++ {
		cand = stem + " (" + itoa(i) + ")" + ext
	}
	taken[strings.ToLower(cand)] = true
	return cand
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

func mimeOf(name string) string {
	if t := mime.TypeByExtension(strings.ToLower(path.Ext(name))); t != "" {
		return t
	}
	return "application/octet-stream"
}

// open opens f for reading, refusing anything that is no longer a regular
// file (replaced by a link, a folder or a device since it was chosen).
func (f *File) open() (*os.File, fs.FileInfo, error) {
	var before fs.FileInfo
	if f.inFolder {
		var err error
		if before, err = os.Lstat(f.Path); err != nil {
			return nil, nil, err
		}
		if !before.Mode().IsRegular() {
			return nil, nil, errors.New("not a regular file")
		}
	}
	h, err := os.Open(f.Path)
	if err != nil {
		return nil, nil, err
	}
	fi, err := h.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = errors.New("not a regular file")
	}
	if err == nil && before != nil && !os.SameFile(before, fi) {
		err = errors.New("replaced while opening") // a link swapped in between Lstat and Open
	}
	if err != nil {
		h.Close()
		return nil, nil, err
	}
	return h, fi, nil
}
