package audit

import (
	commonpb "go.temporal.io/api/common/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/converter"
)

// localActivity is a local activity as its marker records it: run by the
// worker inside a workflow task, with no activity events of its own.
type localActivity struct {
	Type    string
	Attempt int32
	Result  *commonpb.Payloads // nil when it failed
	Failure string
}

// readLocalActivity reads a marker event; ok is false for events that are
// not a local activity's marker.
func readLocalActivity(dc converter.DataConverter, e *historypb.HistoryEvent) (la localActivity, ok bool) {
	m := e.GetMarkerRecordedEventAttributes()
	if m == nil || m.GetMarkerName() != "LocalActivity" {
		return la, false
	}
	var data struct {
		ActivityType string
		Attempt      int32
	}
	if dc.FromPayloads(m.GetDetails()["data"], &data) != nil {
		return la, false
	}
	la.Type, la.Attempt = data.ActivityType, data.Attempt
	if f := m.GetFailure(); f != nil {
		la.Failure = f.GetMessage()
	} else {
		la.Result = m.GetDetails()["result"]
	}
	return la, true
}

// completedActivity returns the type and result of an event that completes
// an activity, regular or local; ok is false for other events. scheduled
// maps the scheduled events seen so far to their activity types.
func completedActivity(dc converter.DataConverter, e *historypb.HistoryEvent, scheduled map[int64]string) (activityType string, result *commonpb.Payloads, ok bool) {
	if a := e.GetActivityTaskScheduledEventAttributes(); a != nil {
		scheduled[e.GetEventId()] = a.GetActivityType().GetName()
	}
	if a := e.GetActivityTaskCompletedEventAttributes(); a != nil {
		return scheduled[a.GetScheduledEventId()], a.GetResult(), true
	}
	if la, ok := readLocalActivity(dc, e); ok && la.Result != nil {
		return la.Type, la.Result, true
	}
	return "", nil, false
}
