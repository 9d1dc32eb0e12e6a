// Package audit is the auditor's side of the event log: it exports a
// dossier's Temporal history in the format Temporal's own tools read,
// replays histories against the current workflow code, and checks that an
// archived result is the one that was signed.
package audit

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	sdklog "go.temporal.io/sdk/log"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/activities"
	"github.com/motcua/motcua/internal/archive"
	"github.com/motcua/motcua/signer"
	"github.com/motcua/motcua/worker"
)

// History fetches the full event history of a dossier's workflow.
func History(ctx context.Context, tc client.Client, dossierID string) (*historypb.History, error) {
	return RunHistory(ctx, tc, dossierID, "")
}

// RunHistory is the history of one run of a workflow (its latest when
// runID is empty): a workflow that continues as new has one a run.
func RunHistory(ctx context.Context, tc client.Client, workflowID, runID string) (*historypb.History, error) {
	it := tc.GetWorkflowHistory(ctx, workflowID, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var h historypb.History
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			return nil, fmt.Errorf("history of %s: %w", workflowID, err)
		}
		h.Events = append(h.Events, e)
	}
	if len(h.Events) == 0 {
		return nil, fmt.Errorf("no history for %s", workflowID)
	}
	return &h, nil
}

// Export is the history as JSON, the format `temporal workflow show
// --output json` writes.
func Export(h *historypb.History) ([]byte, error) {
	return protojson.MarshalOptions{Indent: "  "}.Marshal(h)
}

// ReadFile reads an exported history.
func ReadFile(path string) (*historypb.History, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return client.HistoryFromJSON(f, client.HistoryJSONOptions{})
}

// Replay replays a history against the current workflow code with the
// workers' data converter. The error says, in words, where it diverged.
func Replay(dc converter.DataConverter, h *historypb.History) error {
	r, err := worker.NewReplayer(dc)
	if err != nil {
		return err
	}
	err = r.ReplayWorkflowHistory(sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler)), h)
	if err == nil {
		return nil
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "nondeterministic"):
		return fmt.Errorf("today's workflow code does not make the decisions this history records (%d events): %w", len(h.Events), err)
	case len(h.Events) > 0 && h.Events[0].GetWorkflowExecutionStartedEventAttributes() == nil:
		return fmt.Errorf("the history does not begin with the dossier's start: it was cut or edited: %w", err)
	}
	return fmt.Errorf("the history does not replay: %w", err)
}

// lastResult decodes into out the result of the last completed run of any
// of the named activities, regular or local; it reports whether there was
// one.
func lastResult(dc converter.DataConverter, h *historypb.History, out any, activities ...string) (bool, error) {
	scheduled := map[int64]string{}
	found := false
	for _, e := range h.Events {
		if name, result, ok := completedActivity(dc, e, scheduled); ok && slices.Contains(activities, name) {
			if err := dc.FromPayloads(result, out); err != nil {
				return false, fmt.Errorf("read the result of %s: %w", name, err)
			}
			found = true
		}
	}
	return found, nil
}

// SignedHash is the SHA-256 of the result as the history last recorded it:
// when the office issued it (its signature over the leader's), or, for a
// result signed but not issued (and under the code before issuing), when
// the leader signed. Of several rounds, the last one counts.
func SignedHash(dc converter.DataConverter, h *historypb.History) (string, error) {
	var s activities.Signed
	found, err := lastResult(dc, h, &s, "SignResult", "IssueResult")
	if err != nil {
		return "", err
	}
	if !found || s.SHA256 == "" {
		return "", errors.New("the history records no signature")
	}
	return s.SHA256, nil
}

// ReceiptHash is the SHA-256 of the receipt (form 01) the history recorded.
func ReceiptHash(dc converter.DataConverter, h *historypb.History) (string, error) {
	var ref motcua.DocumentRef
	found, err := lastResult(dc, h, &ref, "IssueReceipt")
	if err != nil {
		return "", err
	}
	if !found {
		return "", errors.New("the history records no receipt")
	}
	return ref.SHA256, nil
}

// Finding is what VerifyResult found about a dossier's result.
type Finding struct {
	DossierID   string `json:"dossier_id"`
	HistorySHA  string `json:"history_sha256"`
	ArchivedSHA string `json:"archived_sha256"`
	// Versions are the result's versions, oldest first: the one archived,
	// then each renewal of its document timestamp.
	Versions []string       `json:"versions"`
	FileSHA  string         `json:"file_sha256"`
	Report   *signer.Report `json:"signatures,omitempty"`
	// NextRenewal is when the newest document timestamp's authority
	// certificate expires: a renewal must come before.
	NextRenewal *time.Time `json:"renew_before,omitempty"`
	Problems    []string   `json:"problems"`
}

// VerifyResult checks a dossier's archived result: the file still has the
// hash it was archived under, that hash is the one the history recorded at
// signing, each later version is a renewal some archive-timestamps history
// recorded and keeps every byte of the version before, and the newest
// version's signatures and chain of document timestamps verify against
// roots today.
func VerifyResult(dc converter.DataConverter, h *historypb.History, store *archive.Store, dossierID string, roots *x509.CertPool, renewals []activities.Renewal) Finding {
	f := Finding{DossierID: dossierID}
	var err error
	if f.HistorySHA, err = SignedHash(dc, h); err != nil {
		f.Problems = append(f.Problems, err.Error())
	}
	rec, versions, err := store.Current(dossierID)
	if err != nil {
		f.Problems = append(f.Problems, "no archive record: "+err.Error())
		return f
	}
	f.ArchivedSHA, f.Versions = rec.SHA256, versions
	if f.HistorySHA != "" && f.HistorySHA != f.ArchivedSHA {
		f.Problems = append(f.Problems, "the archived result is not the one the history recorded when it was signed and issued")
	}
	var prev, b []byte
	for i, v := range versions {
		if b, err = store.Get(v); err != nil {
			f.Problems = append(f.Problems, "archived file: "+err.Error())
			return f
		}
		if sum := archive.Sum(b); sum != v {
			f.Problems = append(f.Problems, fmt.Sprintf("version %d is stored as %s but hashes to %s", i+1, v, sum))
		}
		if i > 0 {
			recorded := slices.ContainsFunc(renewals, func(r activities.Renewal) bool {
				return r.DossierID == dossierID && r.From == versions[i-1] && r.To == v
			})
			if !recorded {
				f.Problems = append(f.Problems, fmt.Sprintf("version %d (%s) is a renewal no archive-timestamps history recorded", i+1, v))
			}
			if !bytes.HasPrefix(b, prev) {
				f.Problems = append(f.Problems, fmt.Sprintf("version %d does not keep the bytes of version %d", i+1, i))
			}
		}
		prev = b
	}
	f.FileSHA = archive.Sum(b)
	rep, err := signer.Verify(b, roots)
	if err != nil {
		f.Problems = append(f.Problems, "signature: "+err.Error())
		return f
	}
	f.Report = rep
	if err := rep.Err(); err != nil {
		f.Problems = append(f.Problems, "signature: "+err.Error())
	}
	if t, ok := signer.ArchiveTimestampExpiry(rep); ok {
		f.NextRenewal = &t
	}
	return f
}
