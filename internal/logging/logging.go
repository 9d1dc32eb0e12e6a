// Package logging builds motcua's zerolog logger and routes the Temporal
// SDK's logger into it, so every process writes one stream of structured
// lines (the embedded server's logger is devserver's). It links no part of
// the Temporal server.
package logging

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/rs/zerolog"
	sdklog "go.temporal.io/sdk/log"

	"github.com/motcua/motcua"
)

// New returns a logger writing JSON lines to w, or console-pretty lines when
// w is a terminal.
func New(w io.Writer, level zerolog.Level) zerolog.Logger {
	if f, ok := w.(*os.File); ok && isatty.IsTerminal(f.Fd()) {
		w = zerolog.ConsoleWriter{Out: f, TimeFormat: time.TimeOnly}
	}
	return zerolog.New(w).Level(level).With().Timestamp().Logger()
}

// SDK adapts a zerolog logger to the Temporal SDK's log.Logger. The SDK
// passes workflow and activity identity as key-value pairs (WorkflowID,
// RunID...), which become fields of the line.
type SDK struct{ L zerolog.Logger }

var _ sdklog.Logger = SDK{}
var _ sdklog.WithLogger = SDK{}

// Debug logs at debug level.
func (s SDK) Debug(msg string, kv ...any) { s.log(zerolog.DebugLevel, msg, kv) }

// Info logs at info level.
func (s SDK) Info(msg string, kv ...any) { s.log(zerolog.InfoLevel, msg, kv) }

// Warn logs at warn level.
func (s SDK) Warn(msg string, kv ...any) { s.log(zerolog.WarnLevel, msg, kv) }

// Error logs at error level.
func (s SDK) Error(msg string, kv ...any) { s.log(zerolog.ErrorLevel, msg, kv) }

// With returns a logger that adds kv to every line.
func (s SDK) With(kv ...any) sdklog.Logger {
	return SDK{L: s.L.With().Fields(fields(kv)).Logger()}
}

func (s SDK) log(level zerolog.Level, msg string, kv []any) {
	s.L.WithLevel(level).Fields(fields(kv)).Msg(msg)
}

func fields(kv []any) map[string]any {
	m := make(map[string]any, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		key := fmt.Sprint(kv[i])
		switch key {
		case "WorkflowID":
			key = "workflow_id"
			// A dossier's workflow id is its dossier id: lines about it
			// carry both, as motcua's own do.
			if id, ok := kv[i+1].(string); ok && motcua.ValidDossierID(id) {
				m["dossier_id"] = id
			}
		case "RunID":
			key = "run_id"
		}
		m[key] = kv[i+1]
	}
	if len(kv)%2 == 1 {
		m["extra"] = kv[len(kv)-1]
	}
	return m
}
