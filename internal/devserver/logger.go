package devserver

import (
	"os"

	"github.com/rs/zerolog"
	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/log/tag"
)

// Logger adapts a zerolog logger to the Temporal server's log.Logger,
// so the embedded server writes into motcua's one stream of lines.
type Logger struct{ L zerolog.Logger }

var _ log.Logger = Logger{}

// Debug logs at debug level.
func (s Logger) Debug(msg string, tags ...tag.Tag) { s.log(zerolog.DebugLevel, msg, tags) }

// Info logs at info level.
func (s Logger) Info(msg string, tags ...tag.Tag) { s.log(zerolog.InfoLevel, msg, tags) }

// Warn logs at warn level.
func (s Logger) Warn(msg string, tags ...tag.Tag) { s.log(zerolog.WarnLevel, msg, tags) }

// Error logs at error level.
func (s Logger) Error(msg string, tags ...tag.Tag) { s.log(zerolog.ErrorLevel, msg, tags) }

// DPanic logs at error level; the embedded server must not bring motcua down.
func (s Logger) DPanic(msg string, tags ...tag.Tag) { s.log(zerolog.ErrorLevel, msg, tags) }

// Panic logs and panics, as the server's contract requires.
func (s Logger) Panic(msg string, tags ...tag.Tag) {
	s.log(zerolog.PanicLevel, msg, tags)
	panic(msg)
}

// Fatal logs and exits, as the server's contract requires.
func (s Logger) Fatal(msg string, tags ...tag.Tag) {
	s.log(zerolog.FatalLevel, msg, tags)
	os.Exit(1)
}

// With returns a logger that adds tags to every line.
func (s Logger) With(tags ...tag.Tag) log.Logger {
	c := s.L.With()
	for _, t := range tags {
		c = c.Interface(t.Key(), t.Value())
	}
	return Logger{L: c.Logger()}
}

func (s Logger) log(level zerolog.Level, msg string, tags []tag.Tag) {
	e := s.L.WithLevel(level)
	for _, t := range tags {
		e = e.Interface(t.Key(), t.Value())
	}
	e.Msg(msg)
}
