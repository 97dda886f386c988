package interop

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lempar/lempar/transfer"
)

// keepTops is the helper's partial answer: only the top-level items named
// in keep are ticked (nil keeps everything).
func keepTops(r *transfer.Request, keep []string) []bool {
	if keep == nil {
		return nil
	}
	choice := make([]bool, len(r.Offer.Items))
	for i, it := range r.Offer.Items {
		top, _, _ := strings.Cut(it.Path, "/")
		choice[i] = slices.Contains(keep, top)
	}
	return choice
}

// partialJS is a LocalSend sender on the peer's host, in the npm package's
// way (its CLI uploads a file only when the answer carries its token; it
// offers one file per session, so several files in one prepare-upload,
// as a phone sends them, are these few lines of node): it offers every
// file, uploads those with a token, then tries one without (with another
// file's token), and prints what happened as JSON.
const partialJS = `
const fs = require("node:fs"), crypto = require("node:crypto"), path = require("node:path");
const [base, ...files] = process.argv.slice(1);
(async () => {
  const meta = {}, data = {};
  for (const f of files) {
    const b = fs.readFileSync(f), id = crypto.createHash("md5").update(f).digest("hex");
    data[id] = b;
    meta[id] = {id, fileName: path.basename(f), size: b.length, fileType: "application/octet-stream",
      sha256: crypto.createHash("sha256").update(b).digest("hex")};
  }
  const info = {alias: "LS-Phone", version: "2.1", deviceModel: "Pixel", deviceType: "mobile",
    fingerprint: crypto.randomBytes(32).toString("hex"), port: 53317, protocol: "https", download: false};
  const r = await fetch(base + "/api/localsend/v2/prepare-upload", {method: "POST",
    headers: {"content-type": "application/json"}, body: JSON.stringify({info, files: meta})});
  if (r.status !== 200) { console.log(JSON.stringify({prepare: r.status})); process.exit(1); }
  const prep = await r.json(), out = {tokens: [], uploaded: [], refused: 0};
  const anyToken = Object.values(prep.files)[0];
  for (const [id, m] of Object.entries(meta)) {
    if (!prep.files[id]) continue;
    out.tokens.push(m.fileName);
  }
  for (const [id, m] of Object.entries(meta)) {
    if (prep.files[id]) continue;
    const u = base + "/api/localsend/v2/upload?sessionId=" + prep.sessionId + "&fileId=" + id + "&token=" + anyToken;
    out.refused = (await fetch(u, {method: "POST", body: data[id]})).status;
    break;
  }
  for (const [id, m] of Object.entries(meta)) {
    if (!prep.files[id]) continue;
    const u = base + "/api/localsend/v2/upload?sessionId=" + prep.sessionId + "&fileId=" + id + "&token=" + prep.files[id];
    const up = await fetch(u, {method: "POST", body: data[id]});
    if (up.status === 200) out.uploaded.push(m.fileName);
  }
  console.log(JSON.stringify(out));
})().catch(e => { console.log(String(e)); process.exit(1); });
`

// Partial accept against LocalSend senders: a file the person unticked
// gets no token, so the sender never uploads it, and Lempar refuses it if
// it tries; the npm CLI (one file a session) is told no when its only file
// is unticked.
func TestLocalSendPartialAccept(t *testing.T) {
	r := newRig(t)
	dl := filepath.Join(t.TempDir(), "Lempar")
	lem := r.lempar(helperCfg{Accept: "yes", DownloadDir: dl, Keep: []string{"laporan.pdf", "foto.jpg"}})
	src := t.TempDir()
	want := map[string][]byte{
		"laporan.pdf": randFile(t, filepath.Join(src, "laporan.pdf"), 150_000),
		"foto.jpg":    randFile(t, filepath.Join(src, "foto.jpg"), 20_000),
	}
	randFile(t, filepath.Join(src, "video.mp4"), 400_000)
	randFile(t, filepath.Join(src, "catatan.txt"), 1_000)

	t.Run("two of four files from a phone's offer", func(t *testing.T) {
		var paths []string
		for _, n := range []string{"laporan.pdf", "video.mp4", "foto.jpg", "catatan.txt"} {
			paths = append(paths, filepath.Join(src, n))
		}
		cmd := r.lan.Command(lsHost, r.node, append([]string{"-e", partialJS, "https://" + lemparIP + ":53317"}, paths...)...)
		cmd.Env = append(os.Environ(), "NODE_TLS_REJECT_UNAUTHORIZED=0", "NODE_NO_WARNINGS=1")
		p := startProc(t, "ls-partial", cmd)
		if code := p.Exit(30 * time.Second); code != 0 {
			t.Fatalf("node exited %d:\n%s", code, p.Output())
		}
		var got struct {
			Tokens, Uploaded []string
			Refused          int
		}
		out := strings.TrimSpace(p.Output())
		if err := json.Unmarshal([]byte(out[strings.LastIndexByte(out, '\n')+1:]), &got); err != nil {
			t.Fatalf("node said %q: %v", out, err)
		}
		slices.Sort(got.Tokens)
		slices.Sort(got.Uploaded)
		if !slices.Equal(got.Tokens, []string{"foto.jpg", "laporan.pdf"}) || !slices.Equal(got.Uploaded, got.Tokens) || got.Refused != 403 {
			t.Fatalf("the phone got tokens %v, uploaded %v, an unticked file's upload answered %d (want 403)", got.Tokens, got.Uploaded, got.Refused)
		}
		ev := lem.line(func(l evLine) bool { return l.Kind == "event" && l.Direction == "in" && isFinal(l) }, 10*time.Second)
		if ev.State != "done" || ev.Files != 2 || ev.FilesDone != 2 || ev.Skipped != 2 {
			t.Fatalf("Lempar's event %+v", ev)
		}
		waitTree(t, dl, want)
	})

	t.Run("the npm CLI's only file unticked", func(t *testing.T) {
		snd := r.ls("ls-send", "send", "--protocol", "https", lemparIP, filepath.Join(src, "video.mp4"))
		if code := snd.Exit(30 * time.Second); code == 0 {
			t.Fatalf("nothing kept, but localsend says sent:\n%s", snd.Output())
		}
		ev := lem.line(func(l evLine) bool { return l.Kind == "event" && l.Direction == "in" && isFinal(l) }, 10*time.Second)
		if ev.State != "declined" || ev.Code != "declined-local" {
			t.Fatalf("%+v", ev)
		}
		snd = r.ls("ls-send", "send", "--protocol", "https", lemparIP, filepath.Join(src, "foto.jpg"))
		if code := snd.Exit(30 * time.Second); code != 0 {
			t.Fatalf("a kept file: exit %d:\n%s", code, snd.Output())
		}
		if ev := lem.line(func(l evLine) bool { return l.Direction == "in" && isFinal(l) }, 10*time.Second); ev.State != "done" || ev.Skipped != 0 {
			t.Fatalf("%+v", ev)
		}
		want["foto (1).jpg"] = want["foto.jpg"]
		waitTree(t, dl, want)
	})
	lem.stop()
}

// pickyJS is a LocalSend receiver on the peer's host, over HTTP, whose
// person keeps only the files named on its command line: its
// prepare-upload answer has tokens for those alone (as the official apps
// answer when files are unticked). It prints what it was offered, what
// was uploaded and any upload it refused.
const pickyJS = `
const http = require("node:http"), fs = require("node:fs"), path = require("node:path"), crypto = require("node:crypto");
const [dir, ...keep] = process.argv.slice(1);
let session = null; const tokens = {}, names = {};
http.createServer(async (req, res) => {
  const u = new URL(req.url, "http://x"), chunks = [];
  for await (const c of req) chunks.push(c);
  const body = Buffer.concat(chunks);
  const reply = (code, o) => { res.writeHead(code, {"content-type": "application/json"}); res.end(JSON.stringify(o)); };
  if (u.pathname.endsWith("/info") || u.pathname.endsWith("/register"))
    return reply(200, {alias: "JS-Phone", version: "2.1", deviceModel: "Pixel", deviceType: "mobile", fingerprint: "js-phone-fp", port: 53317, protocol: "http", download: false});
  if (u.pathname.endsWith("/prepare-upload")) {
    const p = JSON.parse(body); session = crypto.randomUUID(); const files = {};
    for (const [id, m] of Object.entries(p.files)) {
      names[id] = m.fileName;
      if (keep.includes(m.fileName)) files[id] = tokens[id] = crypto.randomBytes(8).toString("hex");
    }
    console.log(JSON.stringify({offered: Object.values(p.files).map(m => m.fileName).sort()}));
    return reply(200, {sessionId: session, files});
  }
  if (u.pathname.endsWith("/upload")) {
    const id = u.searchParams.get("fileId");
    if (u.searchParams.get("sessionId") !== session || !tokens[id] || tokens[id] !== u.searchParams.get("token")) {
      console.log(JSON.stringify({refused: names[id] || id})); return reply(403, {message: "Invalid token"});
    }
    fs.writeFileSync(path.join(dir, path.basename(names[id])), body);
    console.log(JSON.stringify({uploaded: names[id]})); return reply(200, {});
  }
  reply(u.pathname.endsWith("/cancel") ? 200 : 404, {});
}).listen(53317, () => console.log("listening"));
`

// Lempar sending to a LocalSend receiver whose person unticked a file: it
// uploads only the files the answer has tokens for and its row counts the
// rest as skipped.
func TestLocalSendReceiverKeepsSome(t *testing.T) {
	r := newRig(t)
	save := t.TempDir()
	cmd := r.lan.Command(lsHost, r.node, "-e", pickyJS, save, "a.pdf", "c.txt")
	cmd.Env = append(os.Environ(), "NODE_NO_WARNINGS=1")
	phone := startProc(t, "js-phone", cmd)
	phone.expect("listening", 15*time.Second)
	src := t.TempDir()
	want := map[string][]byte{
		"a.pdf": randFile(t, filepath.Join(src, "a.pdf"), 120_000),
		"c.txt": randFile(t, filepath.Join(src, "c.txt"), 3_000),
	}
	randFile(t, filepath.Join(src, "b.mp4"), 500_000)
	lem := r.lempar(helperCfg{Accept: "yes"})
	lem.send(command{Op: "send", Addr: lsIP + ":53317", Paths: []string{filepath.Join(src, "a.pdf"), filepath.Join(src, "b.mp4"), filepath.Join(src, "c.txt")}})
	s := lem.line(func(l evLine) bool { return l.Kind == "sent" }, 30*time.Second)
	if s.State != "done" || s.Files != 2 || s.FilesDone != 2 || s.Skipped != 1 || !slices.Equal(s.SkippedAt, []string{"b.mp4"}) {
		t.Fatalf("Lempar's final event %+v", s)
	}
	waitTree(t, save, want)
	out := phone.Output()
	if !strings.Contains(out, `{"offered":["a.pdf","b.mp4","c.txt"]}`) || strings.Contains(out, "refused") || strings.Contains(out, `"uploaded":"b.mp4"`) {
		t.Fatalf("the phone saw:\n%s", out)
	}
	lem.stop()
}
