package activities

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/signer"
)

// RemoteSigning asks a remote-signing service where a transaction stands
// (signer.RemoteSigner).
type RemoteSigning interface {
	Status(ctx context.Context, id string) (signer.TransactionStatus, error)
}

// Error types of a remote-signing transaction that ended without the
// signature; they are not retried.
const (
	ErrRemoteRefused = "RemoteRefused"
	ErrRemoteExpired = "RemoteExpired"
)

// RemotePollInterval is how often a waiting dossier asks the
// remote-signing service about its transaction.
var RemotePollInterval = 2 * time.Second

// RemoteWait names the transaction that brings the signature of a stored
// signing request.
type RemoteWait struct {
	DossierID   string                   `json:"dossier_id"`
	Request     string                   `json:"request"` // the signing request's id in the archive
	Transaction motcua.RemoteTransaction `json:"transaction"`
}

// AwaitRemoteSignature waits until the leader approves, refuses or lets
// expire the transaction on their phone, asking the service every
// RemotePollInterval and heartbeating meanwhile, and returns the
// signature of the request among the transaction's (a transaction signs
// the digests of several dossiers: the one that verifies against this
// request's digest and certificate is its own). A worker killed mid-wait
// leaves nothing behind: the next attempt asks again.
func (a *Activities) AwaitRemoteSignature(ctx context.Context, in RemoteWait) ([]byte, error) {
	if a.Remote == nil {
		return nil, temporal.NewNonRetryableApplicationError("this worker has no remote-signing service (--remote-signer)", ErrSigningKey, nil)
	}
	blob, err := a.Store.Get(in.Request)
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError("unknown signing request", ErrSigningKey, err)
	}
	var prep signer.Prepared
	if err := json.Unmarshal(blob, &prep); err != nil {
		return nil, fmt.Errorf("signing request %s: %w", in.Request[:12], err)
	}
	log := a.logger(ctx, in.DossierID)
	for {
		st, err := a.Remote.Status(ctx, in.Transaction.ID)
		if err != nil {
			return nil, fmt.Errorf("ask the remote-signing service about transaction %s: %w", in.Transaction.ID, err)
		}
		switch st.Status {
		case signer.TransactionApproved:
			for _, sig := range st.Signatures {
				if prep.Signs(sig) {
					log.Info().Str("transaction", in.Transaction.ID).Msg("remote signature approved")
					return sig, nil
				}
			}
			return nil, temporal.NewNonRetryableApplicationError("the approved transaction carries no signature of this dossier's signing request", ErrSigningKey, nil)
		case signer.TransactionRefused:
			return nil, temporal.NewNonRetryableApplicationError("the leader refused the transaction on their phone", ErrRemoteRefused, nil)
		case signer.TransactionExpired:
			return nil, temporal.NewNonRetryableApplicationError("the transaction expired before the leader approved it", ErrRemoteExpired, nil)
		case signer.TransactionPending:
		default:
			return nil, temporal.NewNonRetryableApplicationError("the remote-signing service answered an unknown status "+st.Status, ErrSigningKey, nil)
		}
		if time.Now().After(in.Transaction.ExpiresAt.Add(time.Minute)) {
			return nil, temporal.NewNonRetryableApplicationError("the transaction is still pending a minute after it expired", ErrRemoteExpired, nil)
		}
		activity.RecordHeartbeat(ctx)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(RemotePollInterval):
		}
	}
}
