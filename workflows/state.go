package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/activities"
	"github.com/motcua/motcua/internal/portal"
	"github.com/motcua/motcua/internal/vouch"
)

// dossier is the workflow's state: what the API shows, plus the decision
// being processed and the portal's outbox.
type dossier struct {
	dossier   motcua.Dossier
	procedure motcua.Procedure
	state     motcua.State

	pending  *command // the decision the main flow is processing
	revision int      // decisions carried out: what a voucher is for

	approvedAt       time.Time
	pausedAt         time.Time
	signRound        int
	supplementRounds int

	portalSeq   int
	portalQueue []portal.Update

	// reminders is on for dossiers started since deadline reminders exist
	// (workflow.GetVersion "deadline-reminders"); reminded and overdue
	// record that each was written once.
	reminders, reminded, overdue bool
	// localReceipt renders the receipt as a local activity.
	localReceipt bool
	// steps runs the procedure's own steps and the hand-back
	// ("procedure-steps"); accepted records that the portal was told the
	// dossier is accepted; consultReminded and consultOverdue are the
	// consultation's deadline marks.
	steps, accepted                 bool
	consultReminded, consultOverdue bool
	// factsSeq counts the changes of the dossier's facts, factsSent the
	// last one the read model has (syncFacts).
	factsSeq, factsSent int
	// archiveFailed is set while the signed result waits for an
	// operator's archive retry.
	archiveFailed bool
	// apologySigning is set while the apology letter is being signed.
	apologySigning bool
	// issue: the records officer issues the signed result ("issue");
	// leaderSigned is the leader's signature it issues, issueRound counts
	// the issues tried.
	issue        bool
	leaderSigned activities.SignInput
	issueRound   int
	issuing      bool // an issue is under way (automatic ones have no pending decision)

	// lean: the dossier keeps a lean history ("lean-history", lean.go);
	// answering is set while a decision's answer waits for its workflow
	// task to end; portalDown while syncPortal retries the portal's
	// updates; listed is what the search attributes say; alarm is the
	// deadline's timer, for alarmAt.
	lean, answering, portalDown bool
	listed                      listed
	alarm                       workflow.Future
	alarmAt                     time.Time
	cancelAlarm                 workflow.CancelFunc
}

// command is a decision handed from an update handler to the main flow.
type command struct {
	review     *motcua.Review
	supplement *motcua.Supplement
	sign       *motcua.SignDecision
	withdrawal *motcua.Withdrawal
	payment    *motcua.Payment
	answer     *motcua.ConsultationAnswer
	handBack   *motcua.HandBack
	retry      *motcua.ArchiveRetry
	issue      *motcua.Issue
	// voucher is the API's voucher for the decision, as recorded with its
	// update: the signature acts for the user it names.
	voucher *vouch.Voucher

	finished bool
	err      error
}

// finish marks the decision applied (or failed) and frees the slot for the
// next one.
func (w *dossier) finish(c *command, err error) {
	c.finished, c.err = true, err
	w.pending = nil
	w.revision++
	w.answering = true
}

// newDossier is the state of a dossier just taken in.
func newDossier(d motcua.Dossier) (*dossier, error) {
	p, ok := d.ProcedureTakenIn()
	if !ok {
		return nil, temporal.NewNonRetryableApplicationError("unknown procedure "+d.ProcedureCode, motcua.CodeUnknownProcedure, nil)
	}
	d.Procedure = &p // the activities read it from the dossier
	w := &dossier{dossier: d, procedure: p, state: motcua.State{
		DossierID: d.ID, ProcedureCode: d.ProcedureCode, Channel: d.Channel,
		ReceivedAt: d.ReceivedAt, DueAt: d.DueAt, Applicant: d.Applicant.Masked(),
		Steps: []motcua.Step{}, ProcedureVersion: p.Version,
	}, listed: listed{motcua.StatusReceived, d.DueAt}} // as the dossier is started (Start)
	return w, nil
}

func (w *dossier) step(ctx workflow.Context, stage motcua.Stage, actor, outcome, comment string) {
	if actor == "" {
		actor = "system"
	}
	w.state.Steps = append(w.state.Steps, motcua.Step{
		Stage: stage, Actor: actor, Outcome: outcome, Comment: comment, At: workflow.Now(ctx).In(motcua.Vietnam),
	})
}

// setStatus records a status, updates the search attributes and queues the
// portal pushes. Entering review for the first time is reported as accepted
// (2) and then as processing (4).
func (w *dossier) setStatus(ctx workflow.Context, s motcua.Status) {
	first := !w.accepted && s == motcua.StatusInReview
	w.accepted = w.accepted || first
	w.state.Status = s
	w.setListed(ctx)
	if first {
		w.queuePortal(ctx, motcua.PortalAccepted, "accepted")
	}
	w.queuePortal(ctx, s.PortalCode(), string(s))
	w.touchFacts()
}

func (w *dossier) complete(ctx workflow.Context) {
	t := workflow.Now(ctx).In(motcua.Vietnam)
	w.state.CompletedAt = &t
	w.stopAlarm() // nothing is due any more
}

// snapshot is a copy of the state for queries and update results.
func (w *dossier) snapshot() motcua.State {
	s := w.state
	s.Steps = append([]motcua.Step(nil), w.state.Steps...)
	if w.state.Result != nil {
		r := *w.state.Result
		s.Result = &r
	}
	s.Portal.Pending = len(w.portalQueue)
	s.Revision = w.revision
	s.Documents = append([]motcua.DocumentRef(nil), w.dossier.Documents...)
	if f := w.state.Fee; f != nil {
		c := *f
		s.Fee = &c
	}
	if ap := w.state.Apology; ap != nil {
		c := *ap
		s.Apology = &c
	}
	if c := w.state.Consultation; c != nil {
		cc := *c
		s.Consultation = &cc
	}
	return s
}
