package modem

import (
	"errors"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// openPlain opens a pseudo-terminal as a plain file in raw mode, for when
// the serial library's line settings fail on it.
func openPlain(path string) (io.ReadWriteCloser, error) {
	if !isPTY(path) {
		return nil, errors.New("not a pseudo-terminal")
	}
	f, err := os.OpenFile(path, os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		return nil, err
	}
	if t, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS); err == nil {
		t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
		t.Oflag &^= unix.OPOST
		t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
		t.Cc[unix.VMIN] = 1
		t.Cc[unix.VTIME] = 0
		_ = unix.IoctlSetTermios(int(f.Fd()), unix.TCSETS, t)
	}
	return f, nil
}
