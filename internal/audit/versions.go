package audit

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/motcua/motcua/workflows"
)

// VersionUse is how many open dossiers run each side of one change of the
// dossier workflow (workflows.Changes).
type VersionUse struct {
	workflows.Change
	// Open dossiers, and those of them that recorded the change's marker
	// (TemporalChangeVersion = ID-1) or a later one that subsumes it: they
	// run the new branch; the rest started before the change and run the
	// old one.
	Open, New int64
}

// Old is how many open dossiers still run the change's old branch.
func (v VersionUse) Old() int64 { return v.Open - v.New }

// Versions counts, for every change, the open dossiers on each side of it
// (see workflows.Changes for when an old branch may go).
func Versions(ctx context.Context, tc client.Client, namespace string) ([]VersionUse, error) {
	const open = "WorkflowType = 'DossierWorkflow' AND ExecutionStatus = 'Running'"
	count := func(q string) (int64, error) {
		resp, err := tc.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Namespace: namespace, Query: q})
		if err != nil {
			return 0, fmt.Errorf("count %q: %w", q, err)
		}
		return resp.GetCount(), nil
	}
	total, err := count(open)
	if err != nil {
		return nil, err
	}
	var out []VersionUse
	for i, c := range workflows.Changes {
		var any []string
		for _, m := range workflows.Markers(i) {
			any = append(any, "TemporalChangeVersion = '"+m+"'")
		}
		n, err := count(open + " AND (" + strings.Join(any, " OR ") + ")")
		if err != nil {
			return nil, err
		}
		out = append(out, VersionUse{Change: c, Open: total, New: n})
	}
	return out, nil
}

// WriteVersions writes the counts as a table, saying of each old branch
// whether it may go.
func WriteVersions(w io.Writer, uses []VersionUse) {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "change\topen dossiers\ton the new branch\ton the old branch\tthe old branch")
	for _, u := range uses {
		verdict := "may go (see workflows/versions.go)"
		if u.Old() > 0 {
			verdict = "must stay"
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\n", u.ID, u.Open, u.New, u.Old(), verdict)
	}
	tw.Flush()
}
