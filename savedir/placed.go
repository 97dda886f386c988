package savedir

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/zeebo/blake3"
)

// Where a session's files went. A receiver killed after placing a file
// and before the sender heard so is offered the same session again when
// it returns; without a record it receives the file a second time, as
// "name (1)". Each placed file gets a line in a journal of its sender and
// session inside PartialDir, and only an offer of that same session from
// that same sender reads it: an offer can never ask about a file someone
// else sent, or one the person put there. A lost line costs a second
// copy, never a file. Each receive cleans journals older than
// JournalMaxAge (CleanJournals), and so does the app with the partials.

// JournalSuffix ends a session's journal of placed files in PartialDir.
const JournalSuffix = ".placed"

// JournalMaxAge is how long a journal is kept: any retry of its session
// comes within minutes (transfer.DefaultRetryFor).
const JournalMaxAge = 24 * time.Hour

// maxJournal bounds what Placed reads (a folder of 100,000 files is ~10 MB).
const maxJournal = 32 << 20

type placedLine struct {
	Item  int    `json:"item"`
	Saved string `json:"saved"`
}

func journalName(sender, session string) string {
	sum := blake3.Sum256([]byte(sender + "\x00" + session))
	return PartialDir + "/" + hex.EncodeToString(sum[:8]) + JournalSuffix
}

// NotePlaced records that item of session now sits at saved. The journal
// stays open until the Dir is closed: a folder of 100,000 small files
// would otherwise pay an open and a close per file (15 µs each here).
func (ib *Dir) NotePlaced(session string, item int, saved string) {
	if session == "" {
		return
	}
	line, err := json.Marshal(placedLine{Item: item, Saved: saved})
	if err != nil {
		return
	}
	ib.jmu.Lock()
	defer ib.jmu.Unlock()
	if ib.journalOf != session {
		ib.closeJournalLocked()
		if ib.journal = ib.openJournal(session); ib.journal == nil {
			return
		}
		ib.journalOf = session
	}
	_, _ = ib.journal.Write(append(line, '\n'))
}

// openJournal opens session's journal for appending, or returns nil.
func (ib *Dir) openJournal(session string) *os.File {
	if ib.mkPartialDir() != nil {
		return nil
	}
	s, name, done := ib.at(journalName(ib.sender, session))
	defer done()
	f, err := s.openExisting(name, os.O_WRONLY|os.O_APPEND)
	if errors.Is(err, fs.ErrNotExist) {
		f, err = s.create(name, 0o600)
	}
	if err != nil {
		return nil
	}
	return f
}

func (ib *Dir) closeJournalLocked() {
	if ib.journal != nil {
		ib.journal.Close()
	}
	ib.journal, ib.journalOf = nil, ""
}

// Placed is what NotePlaced recorded for session from this sender: item
// → the path it was saved under.
func (ib *Dir) Placed(session string) map[int]string {
	out := map[int]string{} // never nil: none recorded is an answer too
	if session == "" {
		return out
	}
	s, name, done := ib.at(journalName(ib.sender, session))
	defer done()
	f, err := s.openExisting(name, os.O_RDONLY)
	if err != nil {
		return out
	}
	defer f.Close()
	sc := bufio.NewScanner(io.LimitReader(f, maxJournal))
	for sc.Scan() {
		var l placedLine
		if json.Unmarshal(sc.Bytes(), &l) == nil && l.Item >= 0 && ValidateRelPath(l.Saved) == nil {
			out[l.Item] = l.Saved
		}
	}
	return out
}
