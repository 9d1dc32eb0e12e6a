package workflows_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/motcua/motcua/internal/audit"
	"github.com/motcua/motcua/internal/codec"
	"github.com/motcua/motcua/workflows"
)

// The histories in testdata were recorded by the end-to-end tests (run them
// with MOTCUA_RECORD_HISTORIES=1 to add new ones). Every one must replay
// against the current workflow code: a change that breaks an old history
// belongs behind workflow.GetVersion.
func TestRecordedHistoriesReplay(t *testing.T) {
	files, err := filepath.Glob("testdata/*.json")
	if err != nil || len(files) < 5 {
		t.Fatalf("recorded histories: %v %v", files, err)
	}
	key, err := codec.LoadOrCreateKey("testdata/payload.key")
	if err != nil {
		t.Fatal(err)
	}
	dc, err := codec.DataConverter(key)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".json"), func(t *testing.T) {
			h, err := audit.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if err := audit.Replay(dc, h); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// A history that was edited fails to replay.
func TestEditedHistoryFailsToReplay(t *testing.T) {
	b, err := os.ReadFile("testdata/approve-sign.json")
	if err != nil {
		t.Fatal(err)
	}
	// The recorded workflow scheduled IssueReceipt first; claim it scheduled
	// another activity.
	edited := regexp.MustCompile(`"name":\s*"IssueReceipt"`).ReplaceAllString(string(b), `"name": "RenderDraft"`)
	if edited == string(b) {
		t.Fatal("no IssueReceipt in the recorded history")
	}
	h, err := client.HistoryFromJSON(strings.NewReader(edited), client.HistoryJSONOptions{})
	if err != nil {
		t.Fatal(err)
	}
	key, _ := codec.LoadOrCreateKey("testdata/payload.key")
	dc, _ := codec.DataConverter(key)
	if err := audit.Replay(dc, h); err == nil {
		t.Error("an edited history replayed")
	} else if !strings.Contains(err.Error(), "does not make the decisions this history records") {
		t.Errorf("unclear replay error: %v", err)
	}
	// A history cut before its start fails too.
	cut, _ := audit.ReadFile("testdata/approve-sign.json")
	cut.Events = cut.Events[3:]
	if err := audit.Replay(dc, cut); err == nil {
		t.Error("a truncated history replayed")
	}
}

// Deadline reminders came in behind workflow.GetVersion: the history
// recorded before them has no version marker and no reminder timer, the one
// recorded after has both, and both replay (TestRecordedHistoriesReplay).
func TestHistoriesFromBothSidesOfTheRemindersChange(t *testing.T) {
	of := func(kind enumspb.EventType) func(*historypb.HistoryEvent) bool {
		return func(e *historypb.HistoryEvent) bool { return e.GetEventType() == kind }
	}
	markers, timers := of(enumspb.EVENT_TYPE_MARKER_RECORDED), of(enumspb.EVENT_TYPE_TIMER_STARTED)
	if countEvents(t, "approve-sign", markers) != 0 || countEvents(t, "approve-sign", timers) != 0 {
		t.Error("the old history already has the reminders")
	}
	if countEvents(t, "approve-sign-with-reminders", markers) != 1 || countEvents(t, "approve-sign-with-reminders", timers) == 0 {
		t.Error("the new history lacks the version marker or the reminder timers")
	}
}

// countEvents counts the events of a recorded history (testdata/NAME.json)
// that match.
func countEvents(t *testing.T, name string, match func(*historypb.HistoryEvent) bool) int {
	t.Helper()
	h, err := audit.ReadFile("testdata/" + name + ".json")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range h.Events {
		if match(e) {
			n++
		}
	}
	return n
}

// scheduled matches the scheduling of the named activities.
func scheduled(names ...string) func(*historypb.HistoryEvent) bool {
	return func(e *historypb.HistoryEvent) bool {
		return slices.Contains(names, e.GetActivityTaskScheduledEventAttributes().GetActivityType().GetName())
	}
}

// Portal updates came to be pushed together behind workflow.GetVersion
// ("portal-batches"): histories recorded before push each update with
// PushPortal, those recorded after push what is queued with
// PushPortalUpdates, and all replay (TestRecordedHistoriesReplay).
func TestHistoriesFromBothSidesOfThePortalBatchesChange(t *testing.T) {
	activities := func(name string) (single, together int) {
		return countEvents(t, name, scheduled("PushPortal")), countEvents(t, name, scheduled("PushPortalUpdates"))
	}
	for _, old := range []string{"approve-sign", "approve-sign-with-reminders", "portal-outage"} {
		if single, together := activities(old); single != 6 || together != 0 {
			t.Errorf("%s: %d single pushes and %d batches; want the 6 updates one by one", old, single, together)
		}
	}
	for _, now := range []string{"approve-sign-portal-batches", "portal-outage-batches"} {
		if single, together := activities(now); single != 0 || together == 0 || together >= 6 {
			t.Errorf("%s: %d single pushes and %d batches; want fewer requests than the 6 updates", now, single, together)
		}
	}
}

// The receipt came to be rendered as a local activity behind
// workflow.GetVersion ("local-receipt"): histories recorded before schedule
// it as an activity, the one recorded after records it as a local activity
// marker, and all replay (TestRecordedHistoriesReplay).
func TestHistoriesFromBothSidesOfTheLocalReceiptChange(t *testing.T) {
	local := func(e *historypb.HistoryEvent) bool {
		return e.GetMarkerRecordedEventAttributes().GetMarkerName() == "LocalActivity"
	}
	documents := scheduled("IssueReceipt", "RenderDraft")
	if d, m := countEvents(t, "approve-sign-portal-batches", documents), countEvents(t, "approve-sign-portal-batches", local); d != 2 || m != 0 {
		t.Errorf("before: %d document activities, %d local activity markers", d, m)
	}
	if d, m := countEvents(t, "approve-sign-local-receipt", documents), countEvents(t, "approve-sign-local-receipt", local); d != 1 || m != 1 {
		t.Errorf("after: %d document activities, %d local activity markers; want the receipt as a marker, the draft as an activity", d, m)
	}
}

// Every change made behind workflow.GetVersion is listed with a history
// from each side: the one before holds no version marker of the change, the
// one after does, and both replay (TestRecordedHistoriesReplay). The ids
// marked in any recorded history are all listed.
func TestEveryVersionChangeHasAHistoryOnEachSide(t *testing.T) {
	listed := map[string]bool{}
	for _, c := range workflows.Changes {
		listed[c.ID] = true
		if n := countEvents(t, c.Before, versionMarker(c.ID)); n != 0 {
			t.Errorf("%s: %s, recorded before the change, has %d markers of it", c.ID, c.Before, n)
		}
		if n := countEvents(t, c.After, versionMarker(c.ID)); n != 1 {
			t.Errorf("%s: %s, recorded after the change, has %d markers of it, want 1", c.ID, c.After, n)
		}
	}
	files, _ := filepath.Glob("testdata/*.json")
	for _, f := range files {
		h, err := audit.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range h.Events {
			if id := changeID(e); id != "" && !listed[id] {
				t.Errorf("%s marks version change %q, which workflows.Changes does not list", f, id)
			}
		}
	}
}

// testDataConverter reads the recorded histories (encrypted with
// testdata/payload.key, as every payload of motcua is).
var testDataConverter = func() converter.DataConverter {
	key, err := codec.LoadOrCreateKey("testdata/payload.key")
	if err != nil {
		panic(err)
	}
	dc, err := codec.DataConverter(key)
	if err != nil {
		panic(err)
	}
	return dc
}()

// changeID is the change id of a version marker event, or "".
func changeID(e *historypb.HistoryEvent) string {
	m := e.GetMarkerRecordedEventAttributes()
	if m.GetMarkerName() != "Version" {
		return ""
	}
	var id string
	if p := m.GetDetails()["change-id"]; p != nil {
		_ = testDataConverter.FromPayloads(p, &id)
	}
	return id
}

func versionMarker(id string) func(*historypb.HistoryEvent) bool {
	return func(e *historypb.HistoryEvent) bool { return changeID(e) == id }
}
