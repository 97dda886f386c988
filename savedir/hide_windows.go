package savedir

import "syscall"

// hide sets the hidden attribute: on Windows a leading dot hides nothing.
func hide(p string) {
	name, err := syscall.UTF16PtrFromString(p)
	if err != nil {
		return
	}
	attrs, err := syscall.GetFileAttributes(name)
	if err != nil {
		return
	}
	_ = syscall.SetFileAttributes(name, attrs|syscall.FILE_ATTRIBUTE_HIDDEN)
}
