// Package s3objects keeps motcua's archive in an S3-compatible bucket that
// every worker and API process shares, write-once by conditional put
// (If-None-Match: *): of writers racing for one name, the store lets exactly
// one create it.
package s3objects

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/motcua/motcua/internal/archive"
)

// Bucket is the archive's objects in an S3 bucket, under a key prefix.
type Bucket struct {
	client  *s3.Client
	bucket  string
	prefix  string
	timeout time.Duration
}

// IsURL tells whether an --archive value names a bucket rather than a
// folder.
func IsURL(s string) bool { return strings.HasPrefix(s, "s3://") }

// Open connects to the bucket a URL names and creates the bucket if it is
// missing:
//
//	s3://BUCKET[/PREFIX]?endpoint=http://HOST:PORT&region=REGION
//
// endpoint is for S3-compatible servers (addressed by path); without it the
// client goes to AWS. Credentials and, when the URL gives none, the region
// come the standard AWS way (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
// AWS_REGION, the shared config files).
func Open(ctx context.Context, rawURL string) (*Bucket, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "s3" || u.Host == "" {
		return nil, fmt.Errorf("archive URL %q: want s3://BUCKET[/PREFIX]?endpoint=URL&region=REGION", rawURL)
	}
	q := u.Query()
	for k := range q {
		if k != "endpoint" && k != "region" {
			return nil, fmt.Errorf("archive URL: unknown parameter %q (endpoint, region)", k)
		}
	}
	var opts []func(*config.LoadOptions) error
	if r := q.Get("region"); r != "" {
		opts = append(opts, config.WithRegion(r))
	} else if os.Getenv("AWS_REGION") == "" && os.Getenv("AWS_DEFAULT_REGION") == "" {
		opts = append(opts, config.WithRegion("us-east-1"))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("archive %s: AWS configuration: %w", rawURL, err)
	}
	endpoint := q.Get("endpoint")
	if endpoint != "" {
		if e, err := url.Parse(endpoint); err != nil || (e.Scheme != "http" && e.Scheme != "https") || e.Host == "" {
			return nil, fmt.Errorf("archive URL: endpoint %q is not an http(s) URL", endpoint)
		}
	}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
			o.UsePathStyle = true
		}
		// The archive checks every blob's SHA-256 itself; checksums the
		// server may not know are sent only where S3 requires them.
		o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
	})
	b := &Bucket{client: client, bucket: u.Host, prefix: strings.Trim(u.Path, "/"), timeout: time.Minute}
	if b.prefix != "" {
		b.prefix += "/"
	}
	if err := b.ensureBucket(ctx); err != nil {
		return nil, fmt.Errorf("archive bucket %s at %s: %w", b.bucket, endpointOr(endpoint), err)
	}
	return b, nil
}

func endpointOr(endpoint string) string {
	if endpoint == "" {
		return "AWS"
	}
	return endpoint
}

func (b *Bucket) ensureBucket(ctx context.Context) error {
	// Processes starting together each find no bucket and create it, and
	// an S3 server that has just started may refuse a creation while it
	// settles (SeaweedFS answered NoSuchBucket to CreateBucket in the
	// topology run, and an API died of it): what matters is that the
	// bucket is there, so look again a little while before giving up.
	var err error
	for range 40 {
		_, err = b.client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &b.bucket})
		if err == nil {
			return nil
		}
		if status(err) != http.StatusNotFound {
			return err // wrong credentials, no server: no use waiting
		}
		_, err = b.client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &b.bucket})
		var owned *types.BucketAlreadyOwnedByYou
		if err == nil || errors.As(err, &owned) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("create it: %w", err)
		case <-time.After(250 * time.Millisecond):
		}
	}
	return fmt.Errorf("create it: %w", err)
}

// Create puts name only if no object has it yet.
func (b *Bucket) Create(name string, body []byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), b.timeout)
	defer cancel()
	for attempt := 0; ; attempt++ {
		_, err := b.client.PutObject(ctx, &s3.PutObjectInput{
			Bucket:        &b.bucket,
			Key:           aws.String(b.prefix + name),
			Body:          bytes.NewReader(body),
			ContentLength: aws.Int64(int64(len(body))),
			IfNoneMatch:   aws.String("*"),
		})
		switch status(err) {
		case 0:
			return nil
		case http.StatusPreconditionFailed: // taken: by these bytes, or others
			old, err := b.Read(name)
			if err != nil {
				return err
			}
			if !bytes.Equal(old, body) {
				return archive.ErrConflict
			}
			return nil
		case http.StatusConflict: // a concurrent conditional put is in flight
			if attempt < 20 {
				time.Sleep(50 * time.Millisecond)
				continue
			}
		}
		return fmt.Errorf("put %s: %w", name, err)
	}
}

// Read gets name.
func (b *Bucket) Read(name string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), b.timeout)
	defer cancel()
	out, err := b.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &b.bucket, Key: aws.String(b.prefix + name)})
	if status(err) == http.StatusNotFound {
		return nil, archive.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", name, err)
	}
	defer out.Body.Close()
	body, err := io.ReadAll(out.Body)
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", name, err)
	}
	return body, nil
}

// Exists asks for name's metadata only.
func (b *Bucket) Exists(name string) (bool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), b.timeout)
	defer cancel()
	_, err := b.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &b.bucket, Key: aws.String(b.prefix + name)})
	switch status(err) {
	case 0:
		return true, nil
	case http.StatusNotFound:
		return false, nil
	}
	return false, fmt.Errorf("head %s: %w", name, err)
}

// List lists the keys under prefix.
func (b *Bucket) List(prefix string) ([]archive.Object, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*b.timeout)
	defer cancel()
	var out []archive.Object
	pages := s3.NewListObjectsV2Paginator(b.client, &s3.ListObjectsV2Input{Bucket: &b.bucket, Prefix: aws.String(b.prefix + prefix)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", prefix, err)
		}
		for _, o := range page.Contents {
			out = append(out, archive.Object{Name: strings.TrimPrefix(aws.ToString(o.Key), b.prefix), Modified: aws.ToTime(o.LastModified)})
		}
	}
	return out, nil
}

// Delete deletes name.
func (b *Bucket) Delete(name string) error {
	ctx, cancel := context.WithTimeout(context.Background(), b.timeout)
	defer cancel()
	_, err := b.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &b.bucket, Key: aws.String(b.prefix + name)})
	if err != nil && status(err) != http.StatusNotFound {
		return fmt.Errorf("delete %s: %w", name, err)
	}
	return nil
}

// status is the HTTP status of a failed S3 call: 0 for none, -1 for an
// error that never got an answer.
func status(err error) int {
	if err == nil {
		return 0
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	var api smithy.APIError
	if errors.As(err, &api) && (api.ErrorCode() == "NoSuchKey" || api.ErrorCode() == "NotFound" || api.ErrorCode() == "NoSuchBucket") {
		return http.StatusNotFound
	}
	return -1
}
