//go:build !linux

package modem

import (
	"errors"
	"io"
)

func openPlain(path string) (io.ReadWriteCloser, error) {
	return nil, errors.New("not supported on this system")
}
