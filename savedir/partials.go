package savedir

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// PartialDir is the hidden folder, inside the download folder, where
// files wait until they are complete and verified. A cancelled or failed
// receive leaves nothing that looks like a file among the person's files,
// and the folder shares their file system, so placing a file stays one
// rename. Its name ends in PartialSuffix, which no offered name may, so no
// peer can send into it.
const PartialDir = PartialSuffix

// mkPartialDir creates PartialDir once per Dir (it is not a name a peer
// gave, so it skips validation).
func (ib *Dir) mkPartialDir() error {
	ib.mu.Lock()
	done := ib.made[PartialDir]
	ib.mu.Unlock()
	if done {
		return nil
	}
	err := ib.root.Mkdir(PartialDir, 0o700)
	if err != nil && !errors.Is(err, fs.ErrExist) {
		return DiskErr(err, PartialDir)
	}
	if err == nil {
		hide(filepath.Join(ib.dir, PartialDir))
	}
	ib.mu.Lock()
	ib.made[PartialDir] = true
	ib.mu.Unlock()
	return nil
}

// Partial is an unfinished file kept in a download folder's PartialDir.
type Partial struct {
	Dir      string // the download folder
	File     string // its name inside PartialDir
	Name     string // the name the finished file will have ("report.pdf")
	Size     int64  // bytes held
	Modified time.Time
}

// Path is where the partial is on disk.
func (p Partial) Path() string { return filepath.Join(p.Dir, PartialDir, p.File) }

// ListPartials lists the partial files of the download folder dir; a folder
// without any (or not there) gives none.
func ListPartials(dir string) ([]Partial, error) {
	ents, err := os.ReadDir(filepath.Join(dir, PartialDir))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, DiskErr(err, dir)
	}
	var out []Partial
	for _, e := range ents {
		if !e.Type().IsRegular() || !strings.HasSuffix(e.Name(), PartialSuffix) {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue // removed meanwhile
		}
		out = append(out, Partial{Dir: dir, File: e.Name(), Name: PartialBase(e.Name()), Size: info.Size(), Modified: info.ModTime()})
	}
	return out, nil
}

// PartialBase is the name a partial's file will have: "report.pdf" of
// "report.pdf.1a2b3c4d.lempar-partial".
func PartialBase(file string) string {
	s := strings.TrimSuffix(file, PartialSuffix)
	if i := strings.LastIndexByte(s, '.'); i > 0 {
		s = s[:i]
	}
	return s
}

// RemovePartial deletes the partial file in dir's PartialDir; file must be
// a partial's plain name, so nothing else can be removed through it.
func RemovePartial(dir, file string) error {
	if file != filepath.Base(file) || strings.ContainsAny(file, `/\`) || !strings.HasSuffix(file, PartialSuffix) {
		return DiskErr(fs.ErrInvalid, file)
	}
	p := filepath.Join(dir, PartialDir, file)
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return DiskErr(err, p)
	}
	return nil
}

// CleanPartials removes dir's partial files not written to since before
// cutoff and returns what it removed. The folder itself goes once empty.
func CleanPartials(dir string, cutoff time.Time) ([]Partial, error) {
	parts, err := ListPartials(dir)
	if err != nil {
		return nil, err
	}
	var removed []Partial
	for _, p := range parts {
		if !p.Modified.Before(cutoff) {
			continue
		}
		if err := RemovePartial(dir, p.File); err != nil {
			return removed, err
		}
		removed = append(removed, p)
	}
	CleanJournals(dir, cutoff)
	if len(removed) == len(parts) {
		_ = os.Remove(filepath.Join(dir, PartialDir)) // only if empty
	}
	return removed, nil
}

// CleanJournals removes dir's journals of placed files (placed.go) not
// written to since before cutoff.
func CleanJournals(dir string, cutoff time.Time) {
	ents, err := os.ReadDir(filepath.Join(dir, PartialDir))
	if err != nil {
		return
	}
	for _, e := range ents {
		if !e.Type().IsRegular() || !strings.HasSuffix(e.Name(), JournalSuffix) {
			continue
		}
		if info, err := e.Info(); err == nil && info.ModTime().Before(cutoff) {
			_ = os.Remove(filepath.Join(dir, PartialDir, e.Name()))
		}
	}
}
