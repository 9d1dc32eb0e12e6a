package workflows

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/activities"
	"github.com/motcua/motcua/internal/calendar"
)

// SupplementDeadline is how long the citizen has to complete a dossier
// after a supplement request; after that the dossier is stopped.
const SupplementDeadline = 30 * 24 * time.Hour

var a *activities.Activities // activity references, never called directly

// DossierWorkflow carries one dossier through the procedure: intake, review
// with supplement rounds, the leader's signature, archive, notification. The
// national portal is told of every status change on the side, in order,
// without holding the dossier up.
func DossierWorkflow(ctx workflow.Context, d motcua.Dossier) (motcua.State, error) {
	w, err := newDossier(d)
	if err != nil {
		return motcua.State{}, err
	}
	// The key of the result's public check, printed in its QR code: the
	// same on every replay, and no command.
	w.dossier.CheckKey = motcua.CheckKey(d.ID, workflow.GetInfo(ctx).FirstRunID)
	w.state.CheckKey = w.dossier.CheckKey
	if err := w.registerHandlers(ctx); err != nil {
		return motcua.State{}, err
	}
	// Since lean-history one marker stands for every change before it (see
	// lean.go); the dossiers started before read each change's own.
	w.lean = workflow.GetVersion(ctx, changeLeanHistory, workflow.DefaultVersion, 1) >= 1
	workflow.Go(ctx, w.syncPortal) // the portal is told of each status, on the side
	if w.lean {
		w.reminders, w.localReceipt, w.steps, w.issue = true, true, true, true
		workflow.Go(ctx, w.publish) // the portal and the read model, each change
	} else {
		w.versionsBeforeLean(ctx)
	}

	// Intake: the receipt is issued and the dossier goes to review.
	w.step(ctx, motcua.StageIntake, d.ReceivedBy, "received", "")
	w.setStatus(ctx, motcua.StatusReceived)
	var receipt motcua.DocumentRef
	if err := w.issueReceipt(ctx, w.dossier).Get(ctx, &receipt); err != nil {
		return w.state, fmt.Errorf("issue receipt: %w", err)
	}
	w.state.Receipt = &receipt

	var next stage
	if w.steps {
		next = w.enter(ctx, w.procedure.Plan()[0])
	} else {
		w.setStatus(ctx, motcua.StatusInReview)
		next = w.review
	}
	for next != nil {
		next = next(ctx)
	}
	w.waitPortal(ctx)
	return w.snapshot(), nil
}

// versionsBeforeLean reads the changes a dossier started before
// lean-history recorded, each behind its own marker.
func (w *dossier) versionsBeforeLean(ctx workflow.Context) {
	// Dossiers started before deadline reminders existed replay without them.
	w.reminders = workflow.GetVersion(ctx, changeReminders, workflow.DefaultVersion, 1) >= 1
	// Since local-receipt the receipt is rendered by the worker running the
	// workflow, without a round trip through the task queue.
	w.localReceipt = workflow.GetVersion(ctx, changeLocalReceipt, workflow.DefaultVersion, 1) >= 1
	// Since procedure-steps the procedure's own steps (payment,
	// consultation) run, and the result is handed back.
	w.steps = workflow.GetVersion(ctx, changeProcedureSteps, workflow.DefaultVersion, 1) >= 1
	if w.steps {
		workflow.Go(ctx, w.syncFacts) // the read model of the commune's figures
	}
	// Since issue the records officer issues the leader-signed result.
	w.issue = workflow.GetVersion(ctx, changeIssue, workflow.DefaultVersion, 1) >= 1
}

// stage is one stage of the procedure; it returns the next, nil at the end.
type stage func(ctx workflow.Context) stage

// review waits for the specialist's decision.
func (w *dossier) review(ctx workflow.Context) stage {
	cmd := w.await(ctx)
	if cmd.withdrawal != nil {
		return w.withdraw(ctx, cmd)
	}
	r := cmd.review
	switch r.Decision {
	case motcua.DecisionReject:
		w.step(ctx, motcua.StageReview, r.Actor, "rejected", r.Comment)
		w.setStatus(ctx, motcua.StatusRejected)
		w.complete(ctx)
		w.finish(cmd, nil)
		w.notify(ctx, "rejected", r.Comment)
		return nil
	case motcua.DecisionRequestSupplement:
		w.step(ctx, motcua.StageReview, r.Actor, "supplement_requested", r.Comment)
		w.state.MissingDocuments = r.MissingDocuments
		w.pausedAt = workflow.Now(ctx)
		w.supplementRounds++
		w.state.SupplementRounds = w.supplementRounds
		w.setStatus(ctx, motcua.StatusSupplementRequested)
		w.finish(cmd, nil)
		w.notify(ctx, "supplement_requested", r.Comment)
		return w.supplement
	default: // approve
		w.step(ctx, motcua.StageReview, r.Actor, "approved", r.Comment)
		w.approvedAt = workflow.Now(ctx)
		if next := w.after(motcua.StepReview); w.steps && next != motcua.StepSignature {
			w.finish(cmd, nil)
			return w.enter(ctx, next)
		}
		if err := w.renderDraft(ctx); err != nil {
			w.finish(cmd, fmt.Errorf("the result could not be rendered: %w", err))
			return w.review
		}
		w.finish(cmd, nil)
		return w.signature
	}
}

// renderDraft renders the unsigned result for the leader; on failure the
// dossier stays in review.
func (w *dossier) renderDraft(ctx workflow.Context) error {
	var draft motcua.DocumentRef
	err := w.effect(ctx, documentOptions, &draft, a.RenderDraft,
		activities.DraftInput{Dossier: w.dossier, ApprovedAt: w.approvedAt, Round: w.draftRound()})
	if err != nil {
		w.step(ctx, motcua.StageReview, "system", "draft_failed", err.Error())
		return err
	}
	w.state.Draft = &draft
	w.setStatus(ctx, motcua.StatusAwaitingSignature)
	return nil
}

// supplement waits for the missing documents, the citizen's withdrawal, or
// the deadline. The SLA clock is paused meanwhile.
func (w *dossier) supplement(ctx workflow.Context) stage {
	cmd, ok := w.awaitUntil(ctx, SupplementDeadline)
	if !ok {
		return w.stopAtDeadline(ctx, motcua.StageSupplement)
	}
	if cmd.withdrawal != nil {
		return w.withdraw(ctx, cmd)
	}
	s := cmd.supplement
	w.dossier.Documents = append(w.dossier.Documents, s.Documents...)
	w.state.MissingDocuments = nil
	w.state.DueAt = calendar.Vietnam.Extend(w.state.DueAt, w.pausedAt, workflow.Now(ctx))
	w.step(ctx, motcua.StageSupplement, s.Actor, "documents_added", fmt.Sprintf("%d document(s)", len(s.Documents)))
	w.setStatus(ctx, motcua.StatusInReview)
	w.finish(cmd, nil)
	return w.review
}

// signature waits for the leader: sign, or return to review.
func (w *dossier) signature(ctx workflow.Context) stage {
	cmd := w.await(ctx)
	if cmd.withdrawal != nil {
		return w.withdraw(ctx, cmd)
	}
	s := cmd.sign
	if s.Decision == motcua.DecisionReturn {
		w.step(ctx, motcua.StageSignature, s.Actor, "returned", s.Comment)
		w.state.Draft, w.state.SigningRequest = nil, nil
		w.setStatus(ctx, motcua.StatusInReview)
		w.finish(cmd, nil)
		return w.review
	}
	w.signRound++
	in := activities.SignInput{
		Dossier: w.dossier, ApprovedAt: w.approvedAt, Round: w.signRound, At: workflow.Now(ctx),
		Signer: s.MadeBy(), Voucher: cmd.voucher, ToIssue: w.issue,
	}
	if s.SigningRequestID != "" { // made on the leader's own token, or approved on their phone
		in.RemoteRequest, in.RemoteSignature = s.SigningRequestID, s.Signature
	}
	if s.Transaction != nil {
		sig, err := w.awaitRemote(ctx, s)
		if err != nil {
			w.step(ctx, motcua.StageSignature, s.Actor, "signing_failed", errorMessage(err))
			w.finish(cmd, signingFailure("the remote-signing transaction brought no signature", err))
			return w.signature
		}
		in.RemoteSignature = sig
	}
	var signed activities.Signed
	err := w.effect(ctx, signOptions, &signed, a.SignResult, in)
	if err != nil {
		w.step(ctx, motcua.StageSignature, s.Actor, "signing_failed", errorMessage(err))
		w.finish(cmd, signingFailure("the signature could not be made", err))
		return w.signature
	}
	w.step(ctx, motcua.StageSignature, s.Actor, "signed", s.Comment)
	w.state.SigningRequest = nil
	w.state.Result = &motcua.Result{SHA256: signed.SHA256, SignedBy: s.Actor, SignedAt: signed.SignedAt.In(motcua.Vietnam)}
	if s.Transaction != nil {
		w.state.Result.Transaction = s.Transaction.ID
	}
	if w.issue {
		w.leaderSigned = in // its signer is the vouched user (the validator checked it)
		w.setStatus(ctx, motcua.StatusAwaitingIssue)
		w.finish(cmd, nil)
		return w.issuance
	}
	w.setStatus(ctx, motcua.StatusSigned)
	w.finish(cmd, nil)
	return w.archive
}

// awaitRemote waits, in the dossier itself, for the signature the leader
// approves on their phone through a remote-signing service: no API holds
// the transaction, so an API's restart, or another API answering the
// leader's page, changes nothing. The dossier's signing request shows the
// transaction while it waits, and its outcome after.
func (w *dossier) awaitRemote(ctx workflow.Context, s *motcua.SignDecision) ([]byte, error) {
	// No workflow.GetVersion: only a decision that names a transaction comes
	// here, which no history recorded before carries (their replay takes
	// the same path as ever) and which a worker of the code before refuses
	// in its validator (a signing request without a signature), so no
	// dossier can take this path on old code. A marker here would also be
	// taken mid-dossier, against the rule of workflows.Changes that every
	// change is taken when a dossier starts (motcua audit versions).
	tx := *s.Transaction
	w.state.SigningRequest.Transaction = &tx
	// The service gives up at the transaction's expiry; the wait is bounded
	// even if its clock says otherwise.
	wait := min(max(tx.ExpiresAt.Sub(workflow.Now(ctx)), 0), 30*time.Minute)
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    wait + 2*time.Minute,
		ScheduleToCloseTimeout: wait + 15*time.Minute, // a service down past the expiry: give up after a while
		HeartbeatTimeout:       30 * time.Second,      // a worker killed mid-wait: another asks again soon
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: 2 * time.Second, BackoffCoefficient: 2, MaximumInterval: 30 * time.Second,
			NonRetryableErrorTypes: []string{activities.ErrSigningKey, activities.ErrRemoteRefused, activities.ErrRemoteExpired}},
	})
	var sig []byte
	err := workflow.ExecuteActivity(actx, a.AwaitRemoteSignature, activities.RemoteWait{
		DossierID: w.state.DossierID, Request: s.SigningRequestID, Transaction: tx,
	}).Get(ctx, &sig)
	tx.Outcome = motcua.TransactionApproved
	var app *temporal.ApplicationError
	switch {
	case err == nil:
	case errors.As(err, &app) && app.Type() == activities.ErrRemoteRefused:
		tx.Outcome, tx.Message = motcua.TransactionRefused, app.Message()
	case errors.As(err, &app) && app.Type() == activities.ErrRemoteExpired:
		tx.Outcome, tx.Message = motcua.TransactionExpired, app.Message()
	default:
		tx.Outcome, tx.Message = motcua.TransactionFailed, errorMessage(err)
	}
	w.state.SigningRequest.Transaction = &tx
	return sig, err
}

// issuance waits for the records officer (Nghị định 30/2020/NĐ-CP, điều
// 15 and 33): issue the signed result, giving it the next number of its
// register and the organisation's signature, or return it to the leader.
// A procedure issued automatically is issued at once; if that fails, the
// records officer issues it by hand.
func (w *dossier) issuance(ctx workflow.Context) stage {
	var cmd *command
	by, comment := "system", ""
	if w.procedure.Issue != motcua.IssueAuto || w.issueRound > 0 {
		cmd = w.await(ctx)
		if cmd.issue.Decision == motcua.DecisionReturn {
			w.step(ctx, motcua.StageIssue, cmd.issue.Actor, "returned_to_leader", cmd.issue.Comment)
			w.state.Result = nil
			w.setStatus(ctx, motcua.StatusAwaitingSignature)
			w.finish(cmd, nil)
			return w.signature
		}
		by, comment = cmd.issue.Actor, cmd.issue.Comment
	}
	w.issueRound++
	w.issuing = true // no other issue decision meanwhile, even with none pending
	defer func() { w.issuing = false }()
	fail := func(what string, err error) stage {
		w.step(ctx, motcua.StageIssue, by, "issue_failed", errorMessage(err))
		if cmd != nil {
			w.finish(cmd, signingFailure(what, err))
		}
		return w.issuance
	}
	now := workflow.Now(ctx).In(motcua.Vietnam)
	in := activities.IssueInput{
		Dossier: w.dossier, ApprovedAt: w.approvedAt, Leader: w.leaderSigned.Signer, LeaderAt: w.leaderSigned.At,
		Result: w.state.Result.SHA256, Round: w.issueRound,
	}
	if cmd != nil {
		in.Voucher = cmd.voucher
	}
	if p := w.procedure; p.Register != "" {
		var e motcua.RegisterEntry
		err := w.effect(ctx, issueOptions, &e, a.TakeNumber, activities.NumberRequest{
			Register: p.Register, RegisterName: p.RegisterName, Year: now.Year(),
			DossierID: w.state.DossierID, ProcedureCode: p.Code, By: by, At: now,
		})
		if err != nil {
			return fail("no register number could be taken", err)
		}
		in.Entry = &e
	}
	var issued activities.Signed
	if err := w.effect(ctx, signOptions, &issued, a.IssueResult, in); err != nil {
		return fail("the organisation's signature could not be made", err)
	}
	if comment == "" && in.Entry != nil {
		comment = in.Entry.Label() + " (" + in.Entry.RegisterName + ")"
	}
	w.step(ctx, motcua.StageIssue, by, "issued", comment)
	issuedAt := issued.SignedAt.In(motcua.Vietnam)
	w.state.Result.SHA256, w.state.Result.IssuedBy, w.state.Result.IssuedAt = issued.SHA256, by, &issuedAt
	w.state.Result.Register = in.Entry
	w.setStatus(ctx, motcua.StatusSigned)
	if cmd != nil {
		w.finish(cmd, nil)
	}
	return w.archive
}

// archive files the signed result and notifies the applicant.
func (w *dossier) archive(ctx workflow.Context) stage {
	var rec struct {
		ArchiveID string `json:"archive_id"`
	}
	err := w.effect(ctx, archiveOptions, &rec, a.ArchiveResult, activities.ArchiveInput{
		Dossier: w.dossier, Signed: activities.Signed{SHA256: w.state.Result.SHA256, SignedAt: w.state.Result.SignedAt},
		SignedBy: w.state.Result.SignedBy,
	})
	if err != nil {
		// Archive errors that survive the retries are permanent (a different
		// result already archived): an operator must look.
		w.step(ctx, motcua.StageArchive, "system", "failed", errorMessage(err))
		return w.archiveBlocked
	}
	w.state.Result.ArchiveID = rec.ArchiveID
	w.step(ctx, motcua.StageArchive, "system", "archived", w.state.Result.SHA256)
	w.notify(ctx, "completed", "")
	w.setStatus(ctx, motcua.StatusCompleted)
	w.complete(ctx)
	if w.steps {
		return w.handBack
	}
	return nil
}

// stopAtDeadline stops a dossier the citizen left waiting past the
// deadline (a supplement, a fee) and tells them.
func (w *dossier) stopAtDeadline(ctx workflow.Context, at motcua.Stage) stage {
	w.step(ctx, at, "system", "deadline_passed", "")
	w.setStatus(ctx, motcua.StatusStopped)
	w.complete(ctx)
	w.notify(ctx, "stopped", "")
	return nil
}

// archiveBlocked leaves the dossier signed until an operator, having
// fixed what the archive refused, sends an archive retry (POST
// /v1/dossiers/{id}/archive-retry): the retry is a step, with the
// operator and what they did, and the archive is tried again. Nothing is
// lost meanwhile. (Before the retry existed this waited for ever; a
// history of that replays the same: the wait records nothing.)
func (w *dossier) archiveBlocked(ctx workflow.Context) stage {
	w.archiveFailed = true
	cmd, _ := w.awaitUntil(ctx, 0) // no timer: a blocked dossier of an older motcua replays
	w.archiveFailed = false
	w.step(ctx, motcua.StageArchive, cmd.retry.Actor, "archive_retried", cmd.retry.Comment)
	w.finish(cmd, nil)
	return w.archive
}

// withdraw ends the dossier at the citizen's request.
func (w *dossier) withdraw(ctx workflow.Context, cmd *command) stage {
	w.step(ctx, w.currentStage(), cmd.withdrawal.Actor, "withdrawn", cmd.withdrawal.Comment)
	w.setStatus(ctx, motcua.StatusWithdrawn)
	w.complete(ctx)
	w.finish(cmd, nil)
	return nil
}

// notify tells the applicant; a failure after the retries is recorded, not
// fatal: the citizen can still be told at the counter.
func (w *dossier) notify(ctx workflow.Context, event, comment string) {
	var n activities.Notified
	// Always an activity: its twelve tries over an hour would hold a local
	// activity's workflow task open.
	w.answering = false
	err := workflow.ExecuteActivity(notifyCtx(ctx), a.Notify,
		activities.NotifyInput{Dossier: w.dossier, Event: event, Comment: comment}).Get(ctx, &n)
	if err != nil {
		w.step(ctx, motcua.StageNotify, "system", "not_reached", errorMessage(err))
		return
	}
	w.step(ctx, motcua.StageNotify, "system", event, "email: "+n.Email+", sms: "+n.SMS)
}

func (w *dossier) currentStage() motcua.Stage {
	switch w.state.Status {
	case motcua.StatusSupplementRequested:
		return motcua.StageSupplement
	case motcua.StatusAwaitingSignature:
		return motcua.StageSignature
	case motcua.StatusInConsultation:
		return motcua.StageConsultation
	case motcua.StatusAwaitingPayment:
		return motcua.StagePayment
	case motcua.StatusAwaitingIssue:
		return motcua.StageIssue
	}
	return motcua.StageReview
}

// signingFailure is the answer to a signature (or a signing request) that
// could not be made: a permanent failure (the key, the certificate, the
// remote signature, the document) is the caller's to fix, signing_failed;
// anything else ran out of retries and may work later, unavailable.
func signingFailure(what string, err error) error {
	var app *temporal.ApplicationError
	if errors.As(err, &app) && slices.Contains([]string{activities.ErrSigningKey, activities.ErrInvalidDocument,
		activities.ErrRemoteRefused, activities.ErrRemoteExpired}, app.Type()) {
		return asUpdateError(motcua.Errorf(motcua.CodeSigningFailed, "%s: %s", what, app.Message()))
	}
	return temporal.NewApplicationError(what+": "+errorMessage(err), errUnavailable)
}

func errorMessage(err error) string {
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		return app.Message()
	}
	return err.Error()
}

// issueReceipt renders the receipt. It depends on the dossier alone, so a
// re-run renders the same bytes; since "local-receipt" it runs as a local
// activity (recorded in the workflow task, re-run after a crash), which
// answers intake sooner. The draft stays a regular activity: it carries the
// approval time, which a re-run workflow task would read anew.
func (w *dossier) issueReceipt(ctx workflow.Context, d motcua.Dossier) workflow.Future {
	if w.localReceipt {
		return workflow.ExecuteLocalActivity(localDocumentCtx(ctx), a.IssueReceipt, d)
	}
	return workflow.ExecuteActivity(documentCtx(ctx), a.IssueReceipt, d)
}
