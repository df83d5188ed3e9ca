package modem

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"go.bug.st/serial"
)

// portError is an error opening a port, with the sentence to show.
type portError struct {
	msg   string
	fatal bool // retrying cannot help
	err   error
}

func (e *portError) Error() string { return e.msg }
func (e *portError) Unwrap() error { return e.err }

// openPort opens a serial device at baud, 8N1.
func openPort(path string, baud int) (io.ReadWriteCloser, error) {
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &portError{msg: fmt.Sprintf("serial port %s does not exist: plug the modem in, or pick its port from `ls /dev/ttyUSB* /dev/ttyACM*` (USB modems show several; use the one that answers AT)", path), err: err}
		}
		if errors.Is(err, fs.ErrPermission) {
			return nil, permissionError(path, err)
		}
		return nil, &portError{msg: fmt.Sprintf("cannot look at serial port %s: %v", path, err), err: err}
	}
	p, err := serial.Open(path, &serial.Mode{BaudRate: baud, DataBits: 8, Parity: serial.NoParity, StopBits: serial.OneStopBit})
	if err == nil {
		return p, nil
	}
	var pe *serial.PortError
	if errors.As(err, &pe) {
		switch pe.Code() {
		case serial.PortBusy:
			return nil, &portError{msg: fmt.Sprintf("serial port %s is in use by another program, often ModemManager: stop it (`sudo systemctl stop ModemManager`) or close the other program", path), err: err}
		case serial.PermissionDenied:
			return nil, permissionError(path, err)
		case serial.InvalidSerialPort:
			// Pseudo-terminals and some USB drivers refuse part of the
			// serial line settings; they work without them.
			if f, ferr := openPlain(path); ferr == nil {
				return f, nil
			}
			return nil, &portError{msg: fmt.Sprintf("%s is not a serial port: pass the modem's device, such as /dev/ttyUSB0", path), fatal: true, err: err}
		}
	}
	if errors.Is(err, fs.ErrPermission) {
		return nil, permissionError(path, err)
	}
	return nil, &portError{msg: fmt.Sprintf("cannot open serial port %s: %v", path, err), err: err}
}

func permissionError(path string, err error) error {
	return &portError{msg: fmt.Sprintf("no permission to open serial port %s: add your user to the dialout group (`sudo usermod -aG dialout $USER`) and log in again", path), fatal: true, err: err}
}

// isPTY reports whether path leads to a pseudo-terminal.
func isPTY(path string) bool {
	real, err := filepath.EvalSymlinks(path)
	return err == nil && strings.HasPrefix(real, "/dev/pts/")
}
