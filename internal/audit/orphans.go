package audit

import (
	"fmt"
	"sort"

	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/converter"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/activities"
	"github.com/motcua/motcua/internal/archive"
	"github.com/motcua/motcua/workflows"
)

// Files is what a dossier's history says the archive holds for it.
type Files struct {
	// Blobs are the SHA-256 of the documents taken in and added, the
	// receipt, the drafts, prepared signing requests and signed results.
	Blobs map[string]bool
	// Archived is the SHA-256 of the archived result, "" if none.
	Archived string
	// Renewals are the renewals of archived results' document timestamps
	// a run of the archive-timestamps workflow made; their blobs are in
	// Blobs.
	Renewals []activities.Renewal
}

// Referenced reads from a history every file the dossier put in the archive,
// or, from the history of an archive-timestamps run, the renewals it made.
func Referenced(dc converter.DataConverter, h *historypb.History) (Files, error) {
	f := Files{Blobs: map[string]bool{}}
	scheduled := map[int64]string{}
	docs := func(refs []motcua.DocumentRef) {
		for _, r := range refs {
			f.Blobs[r.SHA256] = true
		}
	}
	for _, e := range h.Events {
		var err error
		switch {
		case e.GetWorkflowExecutionStartedEventAttributes() != nil:
			var d motcua.Dossier
			if err = dc.FromPayloads(e.GetWorkflowExecutionStartedEventAttributes().GetInput(), &d); err == nil {
				docs(d.Documents)
			}
		case e.GetWorkflowExecutionUpdateAcceptedEventAttributes() != nil:
			in := e.GetWorkflowExecutionUpdateAcceptedEventAttributes().GetAcceptedRequest().GetInput()
			if in.GetName() == workflows.UpdateSupplement {
				var s motcua.Supplement
				if err = dc.FromPayloads(in.GetArgs(), &s); err == nil {
					docs(s.Documents)
				}
			}
		default:
			name, result, ok := completedActivity(dc, e, scheduled)
			if !ok {
				break
			}
			switch name {
			case "IssueReceipt", "RenderDraft":
				var r motcua.DocumentRef
				err = dc.FromPayloads(result, &r)
				f.Blobs[r.SHA256] = true
			case "PrepareRemote":
				var r motcua.SigningRequest
				err = dc.FromPayloads(result, &r)
				f.Blobs[r.ID] = true
			case "SignResult":
				var s activities.Signed
				err = dc.FromPayloads(result, &s)
				f.Blobs[s.SHA256] = true
			case "RenewArchiveTimestamp":
				var r activities.Renewal
				err = dc.FromPayloads(result, &r)
				f.Blobs[r.To] = true
				f.Renewals = append(f.Renewals, r)
			case "ArchiveResult":
				var r archive.Record
				err = dc.FromPayloads(result, &r)
				f.Blobs[r.SHA256], f.Archived = true, r.SHA256
			}
		}
		if err != nil {
			return f, fmt.Errorf("event %d: %w", e.GetEventId(), err)
		}
	}
	delete(f.Blobs, "")
	return f, nil
}

// Orphans lists what the archive holds that no history accounts for: a
// blob no dossier refers to, an archived record whose dossier's history
// archived nothing or something else, a reference to a blob no history
// recorded. histories holds every dossier's history by dossier id; the
// archive's tmp folder (writers' scratch, swept when it is opened) is not
// looked at.
func Orphans(dc converter.DataConverter, histories map[string]*historypb.History, store *archive.Store) ([]string, error) {
	blobs, records, refs, err := store.Files()
	if err != nil {
		return nil, err
	}
	known := map[string]bool{}
	archived := map[string]string{}
	for id, h := range histories {
		f, err := Referenced(dc, h)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", id, err)
		}
		for sum := range f.Blobs {
			known[sum] = true
		}
		archived[id] = f.Archived
	}
	var out []string
	for _, sum := range blobs {
		if !known[sum] {
			out = append(out, "blob "+sum+" belongs to no dossier")
		}
	}
	for _, id := range records {
		if rec, err := store.Lookup(id); err != nil || archived[id] == "" || rec.SHA256 != archived[id] {
			out = append(out, "archived record of "+id+" is not the result its history archived")
		}
	}
	for name, sum := range refs {
		if !known[sum] {
			out = append(out, "reference "+name+" names a blob no history recorded")
		}
	}
	sort.Strings(out)
	return out, nil
}
