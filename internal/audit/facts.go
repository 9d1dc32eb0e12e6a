package audit

import (
	"context"
	"fmt"

	commonpb "go.temporal.io/api/common/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/activities"
	"github.com/motcua/motcua/workflows"
)

// FactsOf returns the newest facts a dossier's history sent to the read
// model (the input of its last RecordFacts activity, or the result of its
// last RecordFacts or Publish local activity); ok is false for a
// dossier that keeps none (from before "procedure-steps").
func FactsOf(dc converter.DataConverter, h *historypb.History) (f motcua.Facts, ok bool, err error) {
	for _, e := range h.Events {
		var facts *commonpb.Payloads
		if a := e.GetActivityTaskScheduledEventAttributes(); a != nil && a.GetActivityType().GetName() == "RecordFacts" {
			facts = a.GetInput() // as an activity: its input
		} else if m := e.GetMarkerRecordedEventAttributes(); m != nil && m.GetMarkerName() == "LocalActivity" {
			var marker struct{ ActivityType string }
			if err := dc.FromPayloads(m.GetDetails()["data"], &marker); err != nil {
				continue
			}
			switch marker.ActivityType {
			case "RecordFacts":
				facts = m.GetDetails()["result"] // as a local activity ("facts-local"): its result, the same facts
			case "Publish": // since "lean-history": the facts its result says it recorded
				var p activities.Published
				if m.GetFailure() != nil || dc.FromPayloads(m.GetDetails()["result"], &p) != nil || p.Facts.DossierID == "" {
					continue
				}
				if !ok || p.Facts.Seq > f.Seq {
					f, ok = p.Facts, true
				}
			}
		}
		if facts == nil {
			continue
		}
		var next motcua.Facts
		if err := dc.FromPayloads(facts, &next); err != nil {
			return f, false, fmt.Errorf("read the facts of event %d: %w", e.GetEventId(), err)
		}
		if !ok || next.Seq > f.Seq {
			f, ok = next, true
		}
	}
	return f, ok, nil
}

// RebuildFacts reads every dossier's history and hands its newest facts to
// record: the read model made again from the audit log. It returns how many
// dossiers had facts.
func RebuildFacts(ctx context.Context, tc client.Client, dc converter.DataConverter, dossiers *workflows.Dossiers, record func(motcua.Facts) error) (int, error) {
	n := 0
	err := dossiers.Each(ctx, workflows.Filter{}, func(d motcua.Summary) error {
		h, err := History(ctx, tc, d.DossierID)
		if err != nil {
			return err
		}
		f, ok, err := FactsOf(dc, h)
		if err != nil || !ok {
			return err
		}
		n++
		return record(f)
	})
	return n, err
}
