// Package savedir is the safe download folder: everything Lempar does to
// write what a peer sends, shared by Lempar's own receiver (transfer) and the
// LocalSend one (localsend).
//
//   - Names: ValidateName and ValidateRelPath refuse anything that could
//     escape the folder, name a device or pass for one of our partial files
//     on Linux, macOS or Windows; NameError says why, in the reader's
//     language. SafeRelPath and Names map the names that are legal on the
//     sender's system but not here or on Windows (": ? *", a trailing dot,
//     "con.txt", "a.jpg" beside "A.JPG") to safe ones instead of refusing
//     them; traversal, absolute paths, control and bidi characters stay
//     refused.
//   - Confinement: every path goes through os.Root, so no symlink or ".."
//     a peer plants can lead outside the folder; on Linux the open folders
//     are worked on with the *at system calls directly (O_NOFOLLOW, a
//     no-replace rename).
//   - Partial files: data lands in "name.<tag>.lempar-partial" inside the
//     hidden folder PartialDir of the download folder (out of sight, on the
//     same file system), named so the same file offered again finds it
//     (resume), and is made durable (fsync, or one syncfs for a batch on
//     Linux) before one rename puts it into place. ListPartials and
//     CleanPartials let the app show and expire what is left.
//   - Never overwrite: a finished file takes the first free name of
//     "report.pdf", "report (1).pdf", ...
//   - Space and permissions: FreeSpace and CanWrite answer before consent,
//     without creating anything.
//
// Failures are *Error values with an errcode.Code and a message in the
// reader's language (Localize); transfer.CodeOf and transfer.IsCode see
// their codes like the engine's own.
package savedir
