package backend

import "time"

// UnfinishedKeeper is implemented by a Backend that keeps the data of
// unfinished downloads so they can resume: the History screen lists them
// with Resume and Discard. It is separate from Backend so test doubles
// need not keep any.
type UnfinishedKeeper interface {
	// Unfinished lists what is kept now and what was removed for age. It
	// is called on the UI thread and must return quickly.
	Unfinished() UnfinishedInfo
	// DiscardUnfinished deletes one kept file (by UnfinishedFile.ID).
	DiscardUnfinished(id string) error
}

// UnfinishedInfo is the list of unfinished downloads.
type UnfinishedInfo struct {
	Files []UnfinishedFile
	// Expired were removed because nothing was added to them for MaxAge;
	// the window says so.
	Expired []UnfinishedFile
	MaxAge  time.Duration
}

// UnfinishedFile is one kept partial file.
type UnfinishedFile struct {
	ID       string
	Name     string // the name it will have: "report.pdf"
	PeerName string // who was sending it; "" when unknown
	Held     int64  // bytes kept
	Total    int64  // its full size; 0 when unknown
	Modified time.Time
}
