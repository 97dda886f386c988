package transfer

import (
	"errors"
	"io"
	"time"

	"github.com/lempar/lempar/internal/errcode"
	"github.com/lempar/lempar/savedir"
)

// readOffer reads a session's first frame, which must be an offer. Its
// memory is taken from the server's offer budget as soon as the header
// says how big it is, before the payload is read, and it is read into a
// buffer of its own that is dropped once decoded (the frame reader's
// buffer would otherwise stay offer-sized for the whole session). A nil
// offer and nil error mean the peer just said bye.
func (s *Server) readOffer(ss *session, known bool) (*Offer, *offerHold, error) {
	ss.fr.setDeadline()
	t, n, err := readHeader(ss.fr.r)
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			s.refuseWith(ss, ErrorMsg{Code: e.Code.String(), Detail: err.Error()})
			return nil, nil, err
		}
		return nil, nil, newErr(errcode.ConnectionLost, err, "Name", ss.peer.Name)
	}
	if t != FrameOffer {
		if t == FrameBye {
			return nil, nil, nil
		}
		err := protocolError("expected an offer, got frame type %d", t)
		s.refuseWith(ss, ErrorMsg{Code: errcode.Protocol.String(), Detail: err.Error()})
		return nil, nil, err
	}
	hold := s.holdOffer(n, known)
	if hold == nil {
		s.refuseWith(ss, ErrorMsg{Code: errcode.Busy.String()})
		return nil, nil, newErr(errcode.BusyLocal, nil, "Name", ss.peer.Name)
	}
	p := make([]byte, n)
	if err := readPayload(ss.fr.r, p); err != nil {
		hold.release()
		return nil, nil, newErr(errcode.ConnectionLost, err, "Name", ss.peer.Name)
	}
	offer, err := DecodeOffer(p)
	if err != nil {
		hold.release()
		code := CodeOf(err)
		var ne *savedir.NameError
		if errors.As(err, &ne) {
			code = errcode.BadName // not "internal": the sender can tell which name to change
		}
		s.refuseWith(ss, ErrorMsg{Code: code.String(), Detail: err.Error()})
		return nil, nil, err
	}
	return offer, hold, nil
}

// refuseWith tells the peer why its session ends, then half-closes and
// drains what it still sends for a moment: closing with unread data would
// reset the connection, and the reset can destroy the error frame before
// the peer reads it.
func (s *Server) refuseWith(ss *session, msg ErrorMsg) {
	ss.sendFinal(FrameError, msg)
	_ = ss.tc.CloseWrite()
	_ = ss.tc.SetReadDeadline(time.Now().Add(lingerTime))
	_, _ = io.CopyBuffer(io.Discard, io.LimitReader(ss.fr.r, MaxOffer), make([]byte, 32<<10))
}
