package devserver

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/motcua/motcua/mtls"
	enumspb "go.temporal.io/api/enums/v1"
	namespacepb "go.temporal.io/api/namespace/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"
)

// Retention is how long the server keeps a closed workflow's history. The
// history is the dossier's audit log, which the commune keeps for ten years;
// Temporal's own default (a day for the SQLite dev server) would delete it.
const Retention = 10 * 365 * 24 * time.Hour

// ensureNamespace makes the namespace exist with Retention and every search
// attribute registered, through the frontend's own API: registering it if
// it is new, lengthening a shorter retention (a database made by an earlier
// version kept a day), and adding the attributes it lacks.
func ensureNamespace(ctx context.Context, o Options) error {
	creds := insecure.NewCredentials()
	if o.TLSDir != "" {
		tc, err := mtls.ClientConfig(mtls.FilesOf(o.TLSDir, mtls.System))
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
	ws, ops := workflowservice.NewWorkflowServiceClient(conn), operatorservice.NewOperatorServiceClient(conn)

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

	// The operator API learns of a new namespace when its registry next
	// refreshes (seconds): until then it answers NotFound.
	var have *operatorservice.ListSearchAttributesResponse
	err = retry(ctx, func() (err error) {
		have, err = ops.ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: o.Namespace})
		return typed(err)
	})
	if err != nil {
		return fmt.Errorf("list search attributes: %w", err)
	}
	missing := map[string]enumspb.IndexedValueType{}
	for _, name := range sortedKeys(o.SearchAttributes) {
		if _, ok := have.GetCustomAttributes()[name]; !ok {
			missing[name] = o.SearchAttributes[name]
		}
	}
	if len(missing) == 0 {
		return nil
	}
	err = retry(ctx, func() error {
		_, err := ops.AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{Namespace: o.Namespace, SearchAttributes: missing})
		return typed(err)
	})
	var exists *serviceerror.AlreadyExists
	if err != nil && !errors.As(err, &exists) {
		return fmt.Errorf("add search attributes: %w", err)
	}
	return nil
}

// retry calls f until it succeeds, fails otherwise than with NotFound or
// Unavailable, or ctx ends.
func retry(ctx context.Context, f func() error) error {
	for {
		err := f()
		var notFound *serviceerror.NotFound
		var nsNotFound *serviceerror.NamespaceNotFound
		var unavailable *serviceerror.Unavailable
		if err == nil || !(errors.As(err, &notFound) || errors.As(err, &nsNotFound) || errors.As(err, &unavailable)) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// typed turns a gRPC status error into Temporal's service error of its
// kind, so errors.As can tell them apart.
func typed(err error) error {
	if err == nil {
		return nil
	}
	return serviceerror.FromStatus(status.Convert(err))
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
