package audit

import (
	"fmt"
	"strings"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/converter"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/internal/archive"
	"github.com/motcua/motcua/workflows"
)

// Event is one line of a dossier's audit trail (motcua.Event).
type Event = motcua.Event

// Events describes a history for auditors, oldest first.
func Events(dc converter.DataConverter, h *historypb.History) []Event {
	out := []Event{}
	scheduled := map[int64]string{} // activity event id -> activity type
	for _, e := range h.Events {
		if ev, ok := describe(dc, e, scheduled); ok {
			out = append(out, ev)
		}
	}
	return out
}

// describe turns a history event into an auditor's line. Payloads are
// decoded with the worker's data converter; personal data is never put in
// the summary. Workflow-task bookkeeping events are left out.
func describe(dc converter.DataConverter, e *historypb.HistoryEvent, scheduled map[int64]string) (Event, bool) {
	ev := Event{EventID: e.GetEventId(), Time: e.GetEventTime().AsTime(), Type: eventType(e.GetEventType()), Actor: "system"}
	switch e.GetEventType() {
	case enumspb.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, enumspb.EVENT_TYPE_WORKFLOW_TASK_STARTED, enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
		return ev, false
	}
	switch a := e.GetAttributes().(type) {
	case *historypb.HistoryEvent_WorkflowExecutionStartedEventAttributes:
		var d motcua.Dossier
		if decodeFirst(dc, a.WorkflowExecutionStartedEventAttributes.GetInput(), &d) && d.ID != "" {
			ev.Actor = d.ReceivedBy
			ev.Summary = fmt.Sprintf("dossier %s received for procedure %s (%s), %d document(s)", d.ID, d.ProcedureCode, d.Channel, len(d.Documents))
		} else {
			ev.Summary = "workflow started: " + a.WorkflowExecutionStartedEventAttributes.GetWorkflowType().GetName()
		}
	case *historypb.HistoryEvent_WorkflowExecutionUpdateAcceptedEventAttributes:
		in := a.WorkflowExecutionUpdateAcceptedEventAttributes.GetAcceptedRequest().GetInput()
		ev.Actor, ev.Summary = describeDecision(dc, in.GetName(), in.GetArgs())
	case *historypb.HistoryEvent_WorkflowExecutionUpdateCompletedEventAttributes:
		o := a.WorkflowExecutionUpdateCompletedEventAttributes.GetOutcome()
		if f := o.GetFailure(); f != nil {
			ev.Summary = "decision failed: " + f.GetMessage()
		} else {
			ev.Summary = "decision applied"
		}
	case *historypb.HistoryEvent_ActivityTaskScheduledEventAttributes:
		name := a.ActivityTaskScheduledEventAttributes.GetActivityType().GetName()
		scheduled[e.GetEventId()] = name
		ev.Summary = name + " scheduled"
	case *historypb.HistoryEvent_ActivityTaskStartedEventAttributes:
		at := a.ActivityTaskStartedEventAttributes
		ev.Summary = fmt.Sprintf("%s started, attempt %d", scheduled[at.GetScheduledEventId()], at.GetAttempt())
		if f := at.GetLastFailure(); f != nil {
			ev.Summary += "; previous attempt failed: " + f.GetMessage()
		}
	case *historypb.HistoryEvent_ActivityTaskCompletedEventAttributes:
		ev.Summary = scheduled[a.ActivityTaskCompletedEventAttributes.GetScheduledEventId()] + " completed"
	case *historypb.HistoryEvent_ActivityTaskFailedEventAttributes:
		at := a.ActivityTaskFailedEventAttributes
		ev.Summary = scheduled[at.GetScheduledEventId()] + " failed: " + at.GetFailure().GetMessage()
	case *historypb.HistoryEvent_ActivityTaskTimedOutEventAttributes:
		ev.Summary = scheduled[a.ActivityTaskTimedOutEventAttributes.GetScheduledEventId()] + " timed out"
	case *historypb.HistoryEvent_MarkerRecordedEventAttributes:
		la, ok := readLocalActivity(dc, e)
		switch {
		case !ok && a.MarkerRecordedEventAttributes.GetMarkerName() == "Version":
			ev.Summary = "workflow code version recorded"
		case !ok:
			ev.Summary = "marker: " + a.MarkerRecordedEventAttributes.GetMarkerName()
		case la.Failure != "":
			ev.Summary = fmt.Sprintf("%s failed: %s", la.Type, la.Failure)
		default:
			ev.Summary = fmt.Sprintf("%s completed, attempt %d", la.Type, la.Attempt)
		}
	case *historypb.HistoryEvent_UpsertWorkflowSearchAttributesEventAttributes:
		var status string
		f := a.UpsertWorkflowSearchAttributesEventAttributes.GetSearchAttributes().GetIndexedFields()
		if p, ok := f[workflows.AttrStatus.GetName()]; ok && converter.GetDefaultDataConverter().FromPayload(p, &status) == nil {
			ev.Summary = "status: " + status
		} else {
			ev.Summary = "search attributes updated"
		}
	case *historypb.HistoryEvent_TimerStartedEventAttributes:
		ev.Summary = "timer started: " + a.TimerStartedEventAttributes.GetStartToFireTimeout().AsDuration().String()
	case *historypb.HistoryEvent_TimerFiredEventAttributes:
		ev.Summary = "timer fired"
	case *historypb.HistoryEvent_TimerCanceledEventAttributes:
		ev.Summary = "timer cancelled"
	case *historypb.HistoryEvent_WorkflowExecutionCompletedEventAttributes:
		ev.Summary = "dossier workflow completed"
	case *historypb.HistoryEvent_WorkflowExecutionFailedEventAttributes:
		ev.Summary = "dossier workflow failed: " + a.WorkflowExecutionFailedEventAttributes.GetFailure().GetMessage()
	default:
		ev.Summary = ev.Type
	}
	return ev, true
}

// describeDecision names who decided what in an update's arguments.
func describeDecision(dc converter.DataConverter, name string, args *commonpb.Payloads) (actor, summary string) {
	switch name {
	case workflows.UpdateReview:
		var r motcua.Review
		if decodeFirst(dc, args, &r) {
			return r.Actor, "review: " + r.Decision + withComment(r.Comment) + missing(r.MissingDocuments)
		}
	case workflows.UpdateSign:
		var d motcua.SignDecision
		if decodeFirst(dc, args, &d) {
			how := ""
			if d.SigningRequestID != "" {
				how = " on the leader's own token"
			}
			return d.Actor, "signature decision: " + d.Decision + how + " by " + d.ActorName + " (" + string(d.ActorRole) + ")" + withComment(d.Comment)
		}
	case workflows.UpdateIssue:
		var d motcua.Issue
		if decodeFirst(dc, args, &d) {
			return d.Actor, "issue decision: " + d.Decision + " by " + d.ActorName + " (" + string(d.ActorRole) + ")" + withComment(d.Comment)
		}
	case workflows.UpdateSupplement:
		var sp motcua.Supplement
		if decodeFirst(dc, args, &sp) {
			return sp.Actor, fmt.Sprintf("supplement: %d document(s) added", len(sp.Documents))
		}
	case workflows.UpdateWithdraw:
		var wd motcua.Withdrawal
		if decodeFirst(dc, args, &wd) {
			return wd.Actor, "withdrawn by the citizen" + withComment(wd.Comment)
		}
	case workflows.UpdateSigningRequest:
		var in motcua.SigningRequestInput
		if decodeFirst(dc, args, &in) {
			return in.Actor, "remote signing request for the certificate " + archive.Sum(in.Certificate)[:16] + "…"
		}
	case workflows.UpdateIntake:
		return "system", "intake confirmed to the caller"
	}
	return "system", "update " + name
}

func withComment(c string) string {
	if c == "" {
		return ""
	}
	return ": " + c
}

func missing(codes []string) string {
	if len(codes) == 0 {
		return ""
	}
	return " (missing: " + strings.Join(codes, ", ") + ")"
}

func decodeFirst(dc converter.DataConverter, p *commonpb.Payloads, v any) bool {
	if p == nil || len(p.GetPayloads()) == 0 {
		return false
	}
	return dc.FromPayload(p.GetPayloads()[0], v) == nil
}

func eventType(t enumspb.EventType) string {
	name := t.String()
	if strings.HasPrefix(name, "EVENT_TYPE_") {
		parts := strings.Split(strings.ToLower(strings.TrimPrefix(name, "EVENT_TYPE_")), "_")
		for i, p := range parts {
			parts[i] = strings.ToUpper(p[:1]) + p[1:]
		}
		return strings.Join(parts, "")
	}
	return name
}
