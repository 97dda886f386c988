package localsend

import "github.com/lempar/lempar/transfer"

// lsErr makes an engine-style error with a LocalSend message, so the CLI,
// the GUI and history show it in the user's language like any other.
func lsErr(code string, cause error, args ...any) *transfer.Error {
	return &transfer.Error{Code: "localsend-" + code, Key: "localsend.err." + code, Args: args, Err: cause}
}

// engineErr reuses a message of the Lempar engine where the situation is
// the same (declined, cancelled, expired).
func engineErr(code string, args ...any) *transfer.Error {
	return &transfer.Error{Code: code, Args: args}
}

// engineErrFrom is engineErr keeping the error behind it, which the
// message shows in brackets and errors.Is/As can find.
func engineErrFrom(code string, cause error, args ...any) *transfer.Error {
	return &transfer.Error{Code: code, Args: args, Err: cause}
}
