package app

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"

	"github.com/lempar/lempar/internal/i18n"
)

// StoreError is a problem with a file or folder in the config dir, worded for
// the person who has to fix it.
type StoreError struct {
	Key     string // i18n key; its text takes {{.Path}}, {{.Detail}}, {{.Bad}}
	Path    string // the file or folder concerned
	BadPath string // where a damaged file was moved aside, if it was
	Err     error
}

// Error renders the English text.
func (e *StoreError) Error() string { return e.Localize(i18n.Load("en")) }

// Localize renders the text in tr's language.
func (e *StoreError) Localize(tr *i18n.Translator) string {
	detail := ""
	if e.Err != nil {
		detail = e.Err.Error()
	}
	return tr.T(e.Key, "Path", e.Path, "Detail", detail, "Bad", e.BadPath)
}

func (e *StoreError) Unwrap() error { return e.Err }

// Corrupt reports whether the file could not be parsed and was moved aside;
// the store that returned it is usable and starts empty.
func (e *StoreError) Corrupt() bool { return e.BadPath != "" }

// loadJSON reads path into a copy of init. A missing file gives init. A file
// that doesn't parse is renamed to *.bad, so the next save can't destroy what
// someone may want to recover, and init comes back with a StoreError keyed
// corruptKey: a damaged file must never stop Lempar from starting.
func loadJSON[T any](path, corruptKey string, init T) (T, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return init, nil
	}
	if err != nil {
		return init, &StoreError{Key: "err.store.read", Path: path, Err: err}
	}
	v := init
	if err := json.Unmarshal(b, &v); err != nil {
		bad := path + ".bad"
		if rerr := os.Rename(path, bad); rerr != nil {
			return init, &StoreError{Key: "err.store.read", Path: path, Err: errors.Join(err, rerr)}
		}
		return init, &StoreError{Key: corruptKey, Path: path, BadPath: bad, Err: err}
	}
	return v, nil
}

// saveJSON writes v to path atomically.
func saveJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return &StoreError{Key: "err.store.write", Path: path, Err: err}
	}
	if err := writeFileAtomic(path, append(b, '\n')); err != nil {
		return &StoreError{Key: "err.store.write", Path: path, Err: err}
	}
	return nil
}

// writeFileAtomic replaces path with data (0600) so that a crash or power
// loss leaves either the old file or the new one, never a torn mix: write a
// temporary file beside it, fsync, rename over, fsync the folder.
func writeFileAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp") // created 0600
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return err
	}
	syncDir(dir)
	return nil
}

// syncDir makes a rename durable on Unix. It is best effort: the new file is
// already in place, and some file systems refuse to sync a folder. Windows
// can't open a folder for syncing and journals renames on its own.
func syncDir(dir string) {
	if runtime.GOOS == "windows" {
		return
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
