package workflows_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/motcua/motcua/audit"
	"github.com/motcua/motcua/codec"
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
	count := func(file string, kind enumspb.EventType) int {
		h, err := audit.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range h.Events {
			if e.GetEventType() == kind {
				n++
			}
		}
		return n
	}
	if count("testdata/approve-sign.json", enumspb.EVENT_TYPE_MARKER_RECORDED) != 0 || count("testdata/approve-sign.json", enumspb.EVENT_TYPE_TIMER_STARTED) != 0 {
		t.Error("the old history already has the reminders")
	}
	if count("testdata/approve-sign-with-reminders.json", enumspb.EVENT_TYPE_MARKER_RECORDED) != 1 || count("testdata/approve-sign-with-reminders.json", enumspb.EVENT_TYPE_TIMER_STARTED) == 0 {
		t.Error("the new history lacks the version marker or the reminder timers")
	}
}

// Portal updates came to be pushed together behind workflow.GetVersion
// ("portal-batches"): histories recorded before push each update with
// PushPortal, those recorded after push what is queued with
// PushPortalUpdates, and all replay (TestRecordedHistoriesReplay).
func TestHistoriesFromBothSidesOfThePortalBatchesChange(t *testing.T) {
	activities := func(file string) (single, together int) {
		h, err := audit.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range h.Events {
			switch e.GetActivityTaskScheduledEventAttributes().GetActivityType().GetName() {
			case "PushPortal":
				single++
			case "PushPortalUpdates":
				together++
			}
		}
		return single, together
	}
	for _, old := range []string{"approve-sign", "approve-sign-with-reminders", "portal-outage"} {
		if single, together := activities("testdata/" + old + ".json"); single != 6 || together != 0 {
			t.Errorf("%s: %d single pushes and %d batches; want the 6 updates one by one", old, single, together)
		}
	}
	for _, now := range []string{"approve-sign-portal-batches", "portal-outage-batches"} {
		if single, together := activities("testdata/" + now + ".json"); single != 0 || together == 0 || together >= 6 {
			t.Errorf("%s: %d single pushes and %d batches; want fewer requests than the 6 updates", now, single, together)
		}
	}
}

// The receipt came to be rendered as a local activity behind
// workflow.GetVersion ("local-receipt"): histories recorded before schedule
// it as an activity, the one recorded after records it as a local activity
// marker, and all replay (TestRecordedHistoriesReplay).
func TestHistoriesFromBothSidesOfTheLocalReceiptChange(t *testing.T) {
	scheduled := func(file string) (documents, markers int) {
		h, err := audit.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range h.Events {
			switch e.GetActivityTaskScheduledEventAttributes().GetActivityType().GetName() {
			case "IssueReceipt", "RenderDraft":
				documents++
			}
			if e.GetMarkerRecordedEventAttributes().GetMarkerName() == "LocalActivity" {
				markers++
			}
		}
		return documents, markers
	}
	if documents, markers := scheduled("testdata/approve-sign-portal-batches.json"); documents != 2 || markers != 0 {
		t.Errorf("before: %d document activities, %d local activity markers", documents, markers)
	}
	if documents, markers := scheduled("testdata/approve-sign-local-receipt.json"); documents != 1 || markers != 1 {
		t.Errorf("after: %d document activities, %d local activity markers; want the receipt as a marker, the draft as an activity", documents, markers)
	}
}
