package savedir

import (
	"os"
	"path"
)

// maxSubRoots bounds the folders an inbox keeps open. Files of an offer
// arrive folder by folder, so a few are enough to make nearly every file
// operation a single system call.
const maxSubRoots = 16

// subRoot is an open folder of the download tree, shared by the goroutines
// writing into it (LocalSend uploads run in parallel).
type subRoot struct {
	r    *os.Root
	d    *os.File // the folder itself, where the system has faster calls (see inbox_linux.go); may be nil
	refs int
	used uint64
}

// at returns the root to use for the slash path p and p's name within it.
// Inside os.Root every operation on "a/b/c" walks and reopens "a" and "b"
// (about 20 system calls for a small file's create, time stamp, link and
// remove); through a root opened at "a/b" it is one call each, with the
// same guarantee that nothing leaves the download folder. done must be
// called when the caller is finished with r.
func (ib *Dir) at(p string) (s *subRoot, name string, done func()) {
	dir, base := path.Split(p)
	if dir == "" {
		dir = "."
	} else {
		dir = dir[:len(dir)-1]
	}
	ib.mu.Lock()
	defer ib.mu.Unlock()
	ib.tick++
	if s := ib.subs[dir]; s != nil {
		s.refs++
		s.used = ib.tick
		return s, base, ib.release(s)
	}
	sr, err := ib.root.OpenRoot(osPath(dir))
	if err != nil {
		// The operation itself, on the whole path, reports what is wrong.
		return &subRoot{r: ib.root}, osPath(p), func() {}
	}
	s = &subRoot{r: sr, d: openFolder(sr), refs: 1, used: ib.tick}
	if len(ib.subs) >= maxSubRoots && !ib.evictLocked() {
		return s, base, s.close
	}
	ib.subs[dir] = s
	return s, base, ib.release(s)
}

func (s *subRoot) close() {
	if s.d != nil {
		s.d.Close()
	}
	s.r.Close()
}

func (ib *Dir) release(s *subRoot) func() {
	return func() {
		ib.mu.Lock()
		s.refs--
		ib.mu.Unlock()
	}
}

// evictLocked closes the least recently used folder nobody is using.
func (ib *Dir) evictLocked() bool {
	var victim string
	var oldest *subRoot
	for d, s := range ib.subs {
		if s.refs == 0 && (oldest == nil || s.used < oldest.used) {
			victim, oldest = d, s
		}
	}
	if oldest == nil {
		return false
	}
	oldest.close()
	delete(ib.subs, victim)
	return true
}

func (ib *Dir) closeSubs() {
	ib.mu.Lock()
	defer ib.mu.Unlock()
	for d, s := range ib.subs {
		s.close()
		delete(ib.subs, d)
	}
}
