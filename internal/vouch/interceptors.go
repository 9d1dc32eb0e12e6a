package vouch

import (
	"context"
	"fmt"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/motcua/motcua"
)

// The voucher travels in the update's header, the way Temporal carries
// context across a call: the API's client puts it there (ClientInterceptor)
// and the worker checks it before the workflow's own validator runs
// (WorkerInterceptor), which then finds it with Vouched.

// HeaderKey is the update header that carries a decision's voucher.
const HeaderKey = "motcua-voucher"

type clientKey struct{}

// WithVoucher returns ctx carrying v: the client interceptor writes it in
// the header of the update sent with ctx.
func WithVoucher(ctx context.Context, v *Voucher) context.Context {
	return context.WithValue(ctx, clientKey{}, v)
}

// ClientInterceptor writes the voucher of an update's context (see
// WithVoucher) into the update's header, encoded with dc: the client's own
// converter, so the voucher is sealed like every payload.
func ClientInterceptor(dc converter.DataConverter) interceptor.ClientInterceptor {
	return &clientInterceptor{dc: dc}
}

type clientInterceptor struct {
	interceptor.ClientInterceptorBase
	dc converter.DataConverter
}

func (c *clientInterceptor) InterceptClient(next interceptor.ClientOutboundInterceptor) interceptor.ClientOutboundInterceptor {
	o := &clientOutbound{dc: c.dc}
	o.Next = next
	return o
}

type clientOutbound struct {
	interceptor.ClientOutboundInterceptorBase
	dc converter.DataConverter
}

func (o *clientOutbound) UpdateWorkflow(ctx context.Context, in *interceptor.ClientUpdateWorkflowInput) (client.WorkflowUpdateHandle, error) {
	if v, _ := ctx.Value(clientKey{}).(*Voucher); v != nil {
		p, err := o.dc.ToPayload(v)
		if err != nil {
			return nil, fmt.Errorf("vouch: %w", err)
		}
		interceptor.Header(ctx)[HeaderKey] = p
	}
	return o.Next.UpdateWorkflow(ctx, in)
}

// WorkerInterceptor checks the voucher in the header of every update a
// workflow receives against the command keys ver trusts, and the command
// (the update's one argument) and update name it was signed for; a
// voucher that fails is refused as forbidden before the workflow sees the
// update. A checked voucher is handed to the workflow's validator, and the
// recorded one to its handler (see Vouched). An update with no voucher
// goes on: the workflow decides whether it needs one. dc reads the header
// as the client's converter wrote it.
func WorkerInterceptor(ver Verifier, dc converter.DataConverter) interceptor.WorkerInterceptor {
	return &workerInterceptor{ver: ver, dc: dc}
}

type workerInterceptor struct {
	interceptor.WorkerInterceptorBase
	ver Verifier
	dc  converter.DataConverter
}

func (w *workerInterceptor) InterceptWorkflow(ctx workflow.Context, next interceptor.WorkflowInboundInterceptor) interceptor.WorkflowInboundInterceptor {
	i := &inbound{ver: w.ver, dc: w.dc}
	i.Next = next
	return i
}

type inbound struct {
	interceptor.WorkflowInboundInterceptorBase
	ver Verifier
	dc  converter.DataConverter
}

type workflowKey struct{}

// ValidateUpdate runs when an update arrives, never on replay: the keys
// trusted may be this worker's of today.
func (i *inbound) ValidateUpdate(ctx workflow.Context, in *interceptor.UpdateInput) error {
	v, err := i.header(ctx)
	if err != nil {
		return forbidden(err)
	}
	if v != nil {
		if len(in.Args) != 1 {
			return forbidden(ErrAltered)
		}
		// Validators run only when an update arrives, never on replay; the
		// check hashes the command's JSON (struct fields in order, map keys
		// sorted), the same bytes every time.
		//workflowcheck:ignore
		if err := i.ver.Verify(in.Args[0], v); err != nil {
			return forbidden(err)
		}
		if v.Update != in.Name {
			return forbidden(fmt.Errorf("the voucher is for %s, not %s", v.Update, in.Name))
		}
		ctx = workflow.WithValue(ctx, workflowKey{}, v)
	}
	return i.Next.ValidateUpdate(ctx, in)
}

// ExecuteUpdate hands the handler the voucher as recorded with the update:
// checked when it arrived, read again on replay.
func (i *inbound) ExecuteUpdate(ctx workflow.Context, in *interceptor.UpdateInput) (any, error) {
	if v, err := i.header(ctx); err == nil && v != nil {
		ctx = workflow.WithValue(ctx, workflowKey{}, v)
	}
	return i.Next.ExecuteUpdate(ctx, in)
}

func (i *inbound) header(ctx workflow.Context) (*Voucher, error) {
	p := interceptor.WorkflowHeader(ctx)[HeaderKey]
	if p == nil {
		return nil, nil
	}
	var v Voucher
	if err := i.dc.FromPayload(p, &v); err != nil {
		return nil, fmt.Errorf("the voucher cannot be read: %w", err)
	}
	return &v, nil
}

// Vouched returns the voucher of the update whose validator or handler
// runs in ctx: in a validator, one WorkerInterceptor has checked; nil when
// the update came with none.
func Vouched(ctx workflow.Context) *Voucher {
	v, _ := ctx.Value(workflowKey{}).(*Voucher)
	return v
}

func forbidden(err error) error {
	return temporal.NewApplicationError(err.Error(), motcua.CodeForbidden)
}
