package transfer

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/lempar/lempar/internal/errcode"
)

// A peer's error frame: known codes become their "remote-" form, anything
// else (unknown, misspelt, not for the wire, not JSON) a safe code.
func TestRemoteErrCodes(t *testing.T) {
	for _, tc := range []struct {
		frame string
		want  errcode.Code
	}{
		{`{"code":"busy"}`, errcode.RemoteBusy},
		{`{"code":"no-space"}`, errcode.RemoteNoSpace},
		{`{"code":"disk-readonly"}`, errcode.RemoteDiskReadOnly},
		{`{"code":"cancelled"}`, errcode.RemoteCancelled},
		{`{"code":"peer-too-old"}`, errcode.RemotePeerTooOld},
		{`{"code":"declned"}`, errcode.RemoteError},
		{`{"code":"remote-busy"}`, errcode.RemoteError},
		{`{"code":"pin-mismatch"}`, errcode.RemoteError},
		{`{"code":""}`, errcode.RemoteError},
		{`{}`, errcode.RemoteError},
		{`{"code":"` + strings.Repeat("x", 5000) + `"}`, errcode.RemoteError},
		{`not json`, errcode.Protocol},
		{`{"code":7}`, errcode.Protocol},
	} {
		err := remoteErr([]byte(tc.frame), "Budi")
		if !IsCode(err, tc.want) {
			t.Errorf("%.40s: %v (%s), want %s", tc.frame, err, CodeOf(err), tc.want)
		}
	}
}

func TestEndStateAndClass(t *testing.T) {
	for _, tc := range []struct {
		err   error
		state State
	}{
		{nil, StateDone},
		{newErr(errcode.Declined, nil), StateDeclined},
		{newErr(errcode.RemoteExpired, nil), StateDeclined},
		{newErr(errcode.RemoteBusy, nil), StateDeclined},
		{newErr(errcode.NoSpacePeer, nil), StateDeclined},
		{newErr(errcode.DiskReadOnly, nil), StateDeclined},
		{fmt.Errorf("wrapped: %w", newErr(errcode.PeerCancelled, nil)), StateCancelled},
		{newErr(errcode.RemoteDiskFull, nil), StateFailed},
		{newErr(errcode.ConnectionLost, nil), StateFailed},
		{errors.New("plain"), StateFailed},
		{context.Canceled, StateFailed},
	} {
		if got := EndState(tc.err); got != tc.state {
			t.Errorf("%v: %s, want %s", tc.err, got, tc.state)
		}
	}
	if ClassOf(errors.New("x")) != errcode.ClassFailed || CodeOf(errors.New("x")) != errcode.Internal {
		t.Error("a plain error is not internal/failed")
	}
	if ClassOf(newErr(errcode.OfferExpired, nil)) != errcode.ClassExpired {
		t.Error("offer-expired")
	}
}

func TestErrorKey(t *testing.T) {
	if got := (&Error{Code: errcode.Declined}).key(); got != "err.declined" {
		t.Error(got)
	}
	if got := (&Error{Code: errcode.LocalSendBusy}).key(); got != "localsend.err.busy" {
		t.Error(got)
	}
	if got := (&Error{Code: errcode.NoSuchDevice, Key: "cli.err.x"}).key(); got != "cli.err.x" {
		t.Error(got)
	}
}
