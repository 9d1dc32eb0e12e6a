package s3objects_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/motcua/motcua/internal/archive"
	"github.com/motcua/motcua/internal/archive/archivetest"
	"github.com/motcua/motcua/internal/realservers"
	"github.com/motcua/motcua/internal/s3objects"
)

// The archive on a real S3 server (SeaweedFS) meets the same contract as
// on a folder: each case in a bucket of its own, created on open.
func TestBucketMeetsTheContract(t *testing.T) {
	endpoint := realservers.S3(t)
	t.Setenv("AWS_ACCESS_KEY_ID", realservers.S3AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", realservers.S3SecretKey)
	var n atomic.Int32
	archivetest.Run(t, func(t *testing.T) archive.Objects {
		url := fmt.Sprintf("s3://archive-%d/commune-a?endpoint=%s&region=ap-southeast-1", n.Add(1), endpoint)
		b, err := s3objects.Open(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		return b
	})
}

// Wrong credentials and bad URLs are refused when the archive is opened,
// not at the first dossier.
func TestOpenRefusesWhatCannotWork(t *testing.T) {
	for _, c := range []struct{ url, want string }{
		{"s3:///no-bucket", "want s3://BUCKET"},
		{"http://bucket", "want s3://BUCKET"},
		{"s3://b?endpoint=ftp://x", "not an http(s) URL"},
		{"s3://b?bucket=x", `unknown parameter "bucket"`},
	} {
		if _, err := s3objects.Open(context.Background(), c.url); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.url, err, c.want)
		}
	}
	endpoint := realservers.S3(t)
	t.Setenv("AWS_ACCESS_KEY_ID", realservers.S3AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", "not the secret")
	if _, err := s3objects.Open(context.Background(), "s3://archive?endpoint="+endpoint); err == nil {
		t.Error("a wrong secret key opened the archive")
	}
}

// Processes starting together on a new bucket each find none and create
// it: every one of them opens it (SeaweedFS refuses the later creations
// with NoSuchBucket while the first is being made; seen in the topology
// run, where an API died of it).
func TestProcessesStartingTogetherAllOpenANewBucket(t *testing.T) {
	endpoint := realservers.S3(t)
	t.Setenv("AWS_ACCESS_KEY_ID", realservers.S3AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", realservers.S3SecretKey)
	for round := range 5 {
		url := fmt.Sprintf("s3://together-%d?endpoint=%s&region=ap-southeast-1", round, endpoint)
		errs := make(chan error, 6)
		for range 6 {
			go func() {
				_, err := s3objects.Open(context.Background(), url)
				errs <- err
			}()
		}
		for range 6 {
			if err := <-errs; err != nil {
				t.Errorf("round %d: %v", round, err)
			}
		}
	}
}
