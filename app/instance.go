package app

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/lempar/lempar/internal/errcode"
	"github.com/lempar/lempar/transfer"
)

// InstanceFile is the lock file inside the config folder. While a device
// runs it holds an exclusive lock on it, and the file says where to knock
// to bring that device's window forward.
const InstanceFile = "instance.lock"

// InstanceLock is held by the one process that runs an identity. Two
// processes never run one identity: they would answer for the same
// certificate, write the same history and fight over the port.
type InstanceLock struct {
	f     *os.File
	ln    net.Listener
	token string
	wake  chan struct{} // capacity 1

	once sync.Once
	done chan struct{}
}

// LockInstance takes the lock for the config folder dir. If another
// process holds it, the error has code "already-running".
func LockInstance(dir string) (*InstanceLock, error) {
	f, err := os.OpenFile(filepath.Join(dir, InstanceFile), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, &transfer.Error{Code: errcode.InstanceLock, Args: []any{"Path", filepath.Join(dir, InstanceFile)}, Err: err}
	}
	if err := lockFile(f); err != nil {
		f.Close()
		return nil, &transfer.Error{Code: errcode.AlreadyRunning, Args: []any{"Dir", dir}}
	}
	// Knocks come only from this machine: a loopback socket, and a token
	// only readable by this user (the file's mode) so another local user
	// can't poke the window.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		unlockFile(f)
		f.Close()
		return nil, err
	}
	var b [16]byte
	_, _ = rand.Read(b[:])
	l := &InstanceLock{f: f, ln: ln, token: hex.EncodeToString(b[:]), wake: make(chan struct{}, 1), done: make(chan struct{})}
	_ = f.Truncate(0)
	_, _ = f.WriteAt(fmt.Appendf(nil, "%d %d %s\n", os.Getpid(), ln.Addr().(*net.TCPAddr).Port, l.token), 0)
	go l.listen()
	return l, nil
}

func (l *InstanceLock) listen() {
	for {
		c, err := l.ln.Accept()
		if err != nil {
			return
		}
		_ = c.SetDeadline(time.Now().Add(2 * time.Second))
		line, _ := bufio.NewReader(&limitedReader{c, 128}).ReadString('\n')
		if strings.TrimSpace(line) == "show "+l.token {
			_, _ = c.Write([]byte("ok\n"))
			select {
			case l.wake <- struct{}{}:
			default:
			}
		}
		c.Close()
	}
}

// limitedReader reads at most n bytes: a knock is one short line.
type limitedReader struct {
	c net.Conn
	n int
}

func (r *limitedReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, errors.New("too long")
	}
	if len(p) > r.n {
		p = p[:r.n]
	}
	n, err := r.c.Read(p)
	r.n -= n
	return n, err
}

// Knocked fires when a second start asked this one to show itself.
func (l *InstanceLock) Knocked() <-chan struct{} { return l.wake }

// Close releases the lock.
func (l *InstanceLock) Close() {
	l.once.Do(func() {
		l.ln.Close()
		_ = l.f.Truncate(0)
		unlockFile(l.f)
		l.f.Close()
		close(l.done)
	})
}

// KnockInstance asks the device running with config folder dir to bring
// its window forward. It returns nil when that device answered.
func KnockInstance(dir string) error {
	b, err := os.ReadFile(filepath.Join(dir, InstanceFile))
	if err != nil {
		return err
	}
	f := strings.Fields(string(b))
	if len(f) != 3 {
		return errors.New("app: no running instance to knock on")
	}
	port, err := strconv.Atoi(f[1])
	if err != nil || port <= 0 || port > 65535 {
		return errors.New("app: bad instance file")
	}
	c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", f[1]), 2*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := fmt.Fprintf(c, "show %s\n", f[2]); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "ok" {
		return errors.New("app: the running instance did not answer")
	}
	return nil
}
