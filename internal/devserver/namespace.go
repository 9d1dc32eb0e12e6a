package devserver

import (
	"context"
	"errors"
	"fmt"
	"time"

	namespacepb "go.temporal.io/api/namespace/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/motcua/motcua/internal/mtls"
)

// Retention is how long the server keeps a closed workflow's history. The
// history is the dossier's audit log, which the commune keeps for ten years;
// Temporal's own default (a day for the SQLite dev server) would delete it.
const Retention = 10 * 365 * 24 * time.Hour

// ensureNamespace makes the namespace exist with Retention, through the
// frontend's own API: registering it if it is new, lengthening a shorter
// retention (a database made by an earlier version kept a day). Its search
// attributes are registered by every motcua worker at start
// (worker.EnsureSearchAttributes), or made with a new SQLite database.
func ensureNamespace(ctx context.Context, o Options) error {
	creds := insecure.NewCredentials()
	if o.TLSDir != "" { // as Temporal's own system worker
		node := mtls.Internode(mtls.InternodeDir(o.TLSDir))
		tc, err := mtls.ClientConfig(mtls.Files{Cert: node.Cert, Key: node.Key, CA: mtls.FilesOf(o.TLSDir, "server").CA})
		if err != nil {
			return err
		}
		creds = credentials.NewTLS(tc)
	}
	conn, err := grpc.NewClient(o.FrontendAddr, grpc.WithTransportCredentials(creds))
	if err != nil {
		return err
	}
	defer conn.Close()
	ws := workflowservice.NewWorkflowServiceClient(conn)

	var desc *workflowservice.DescribeNamespaceResponse
	for {
		desc, err = ws.DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: o.Namespace})
		err = typed(err)
		var notFound *serviceerror.NamespaceNotFound
		if errors.As(err, &notFound) {
			_, err = ws.RegisterNamespace(ctx, &workflowservice.RegisterNamespaceRequest{
				Namespace:                        o.Namespace,
				Description:                      "motcua dossiers",
				WorkflowExecutionRetentionPeriod: durationpb.New(Retention),
			})
			err = typed(err)
			var exists *serviceerror.NamespaceAlreadyExists
			if err == nil || errors.As(err, &exists) {
				continue // describe it again
			}
		}
		if err == nil {
			break
		}
		var unavailable *serviceerror.Unavailable
		if !errors.As(err, &unavailable) {
			return fmt.Errorf("namespace %s: %w", o.Namespace, err)
		}
		select { // the frontend is still joining its cluster
		case <-ctx.Done():
			return fmt.Errorf("namespace %s: %w", o.Namespace, err)
		case <-time.After(500 * time.Millisecond):
		}
	}
	if desc.GetConfig().GetWorkflowExecutionRetentionTtl().AsDuration() < Retention {
		_, err := ws.UpdateNamespace(ctx, &workflowservice.UpdateNamespaceRequest{
			Namespace: o.Namespace,
			Config:    &namespacepb.NamespaceConfig{WorkflowExecutionRetentionTtl: durationpb.New(Retention)},
		})
		if err != nil {
			return fmt.Errorf("namespace %s: keep histories %s: %w", o.Namespace, Retention, err)
		}
	}
	return nil
}

// typed turns a gRPC status error into Temporal's service error of its
// kind, so errors.As can tell them apart.
func typed(err error) error {
	if err == nil {
		return nil
	}
	return serviceerror.FromStatus(status.Convert(err))
}
