package localsend

import (
	"github.com/lempar/lempar/internal/errcode"
	"github.com/lempar/lempar/transfer"
)

// lsErr makes an engine-style error with a LocalSend message (a
// errcode.LocalSend… code, whose key is "localsend.err.<x>"), so the CLI,
// the GUI and history show it in the user's language like any other.
func lsErr(code errcode.Code, cause error, args ...any) *transfer.Error {
	return &transfer.Error{Code: code, Args: args, Err: cause}
}

// engineErr reuses a message of the Lempar engine where the situation is
// the same (declined, cancelled, expired).
func engineErr(code errcode.Code, args ...any) *transfer.Error {
	return &transfer.Error{Code: code, Args: args}
}

// engineErrFrom is engineErr keeping the error behind it, which the
// message shows in brackets and errors.Is/As can find.
func engineErrFrom(code errcode.Code, cause error, args ...any) *transfer.Error {
	return &transfer.Error{Code: code, Args: args, Err: cause}
}
