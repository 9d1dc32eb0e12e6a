// Package wire holds the JSON bodies of motcua's HTTP API as its contract
// (internal/api/openapi.json) describes them, shared by the server (internal/api)
// and the Go client (package apiclient). The bodies carry what travels on
// the wire (base64, PEM); Decode methods turn them into the domain's
// values, naming the fields that cannot be decoded.
package wire

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/motcua/motcua"
)

// IntakeRequest is the body of POST /v1/dossiers.
type IntakeRequest struct {
	ExternalID    string            `json:"external_id,omitempty"`
	ProcedureCode string            `json:"procedure_code"`
	Channel       motcua.Channel    `json:"channel"`
	Applicant     motcua.Applicant  `json:"applicant"`
	Fields        map[string]string `json:"fields"`
	Documents     []Document        `json:"documents"`
}

// Document is a document as a client uploads it.
type Document struct {
	Code          string `json:"code"`
	Name          string `json:"name,omitempty"`
	ContentType   string `json:"content_type,omitempty"`
	ContentBase64 string `json:"content_base64,omitempty"`
	// ArchiveRef ("sha256:<hex>") takes a paper the citizen handed in
	// before, or a result signed for them, instead of an upload.
	ArchiveRef string `json:"archive_ref,omitempty"`
}

// Decode returns the application the request carries; bad names each
// document whose content is not base64 (by the contract's field path).
func (r IntakeRequest) Decode() (a motcua.Application, bad map[string]string) {
	docs, bad := DecodeDocuments(r.Documents)
	return motcua.Application{
		ExternalID: r.ExternalID, ProcedureCode: r.ProcedureCode, Channel: r.Channel,
		Applicant: r.Applicant, Fields: r.Fields, Documents: docs,
	}, bad
}

// DecodeDocuments decodes uploaded documents; bad names each one whose
// content is not base64.
func DecodeDocuments(up []Document) ([]motcua.Document, map[string]string) {
	bad := map[string]string{}
	docs := make([]motcua.Document, len(up))
	for i, d := range up {
		if d.ArchiveRef != "" {
			if d.ContentBase64 != "" {
				bad["documents["+strconv.Itoa(i)+"].archive_ref"] = "give content_base64 or archive_ref, not both"
			}
			docs[i] = motcua.Document{Code: d.Code, Name: d.Name, ContentType: d.ContentType, Ref: d.ArchiveRef}
			continue
		}
		b, err := base64.StdEncoding.DecodeString(d.ContentBase64)
		if err != nil {
			bad["documents["+strconv.Itoa(i)+"].content_base64"] = "not valid base64"
			b = nil // never the part decoded before the fault
		}
		docs[i] = motcua.Document{Code: d.Code, Name: d.Name, ContentType: d.ContentType, Content: b}
	}
	return docs, bad
}

// Upload is the wire form of a document.
func Upload(d motcua.Document) Document {
	if d.Ref != "" {
		return Document{Code: d.Code, Name: d.Name, ArchiveRef: d.Ref}
	}
	return Document{Code: d.Code, Name: d.Name, ContentType: d.ContentType, ContentBase64: base64.StdEncoding.EncodeToString(d.Content)}
}

// Created is the answer to POST /v1/dossiers.
type Created struct {
	DossierID  string        `json:"dossier_id"`
	Status     motcua.Status `json:"status"`
	ReceivedAt time.Time     `json:"received_at"`
	DueAt      time.Time     `json:"due_at"`
}

// SupplementRequest is the body of POST /v1/dossiers/{id}/supplement.
type SupplementRequest struct {
	Documents []Document `json:"documents"`
}

// SignRequest is the body of POST /v1/dossiers/{id}/sign.
type SignRequest struct {
	Decision         string `json:"decision"`
	Comment          string `json:"comment,omitempty"`
	SigningRequestID string `json:"signing_request_id,omitempty"`
	SignatureBase64  string `json:"signature_base64,omitempty"`
}

// Decode returns the decision (without its actor, which the server knows);
// bad names the signature when it is not base64.
func (r SignRequest) Decode() (motcua.SignDecision, map[string]string) {
	sig, err := base64.StdEncoding.DecodeString(r.SignatureBase64)
	var bad map[string]string
	if err != nil {
		bad = map[string]string{"signature_base64": "not valid base64"}
	}
	return motcua.SignDecision{Decision: r.Decision, Comment: r.Comment, SigningRequestID: r.SigningRequestID, Signature: sig}, bad
}

// SignBody is the wire form of a decision.
func SignBody(d motcua.SignDecision) SignRequest {
	r := SignRequest{Decision: d.Decision, Comment: d.Comment, SigningRequestID: d.SigningRequestID}
	if len(d.Signature) > 0 {
		r.SignatureBase64 = base64.StdEncoding.EncodeToString(d.Signature)
	}
	return r
}

// SigningRequestBody is the body of POST /v1/dossiers/{id}/signing-request:
// the certificate of the leader's own key, and the chain above it, in PEM.
type SigningRequestBody struct {
	CertificatePEM string `json:"certificate_pem"`
	ChainPEM       string `json:"chain_pem,omitempty"`
}

// PEM encodes DER certificates as PEM text.
func PEM(ders ...[]byte) string {
	var out []byte
	for _, d := range ders {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: d})...)
	}
	return string(out)
}

// DossierList is the answer to GET /v1/dossiers.
type DossierList struct {
	Dossiers      []motcua.Summary `json:"dossiers"`
	NextPageToken string           `json:"next_page_token"`
}

// Decode returns the certificate and the chain (DER); bad names the field
// that does not hold what it should: one certificate, then certificates.
func (b SigningRequestBody) Decode() (cert []byte, chain [][]byte, bad map[string]string) {
	bad = map[string]string{}
	certs, err := pemCertificates(b.CertificatePEM)
	if err != nil || len(certs) != 1 {
		bad["certificate_pem"] = "one PEM certificate is required"
	} else {
		cert = certs[0]
	}
	if chain, err = pemCertificates(b.ChainPEM); err != nil {
		bad["chain_pem"] = "PEM certificates"
	}
	return cert, chain, bad
}

// pemCertificates decodes the CERTIFICATE blocks of PEM text to DER.
func pemCertificates(text string) ([][]byte, error) {
	var out [][]byte
	rest := []byte(text)
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		if _, err := x509.ParseCertificate(b.Bytes); err != nil {
			return nil, err
		}
		out = append(out, b.Bytes)
	}
	if strings.TrimSpace(string(rest)) != "" {
		return nil, errors.New("text outside PEM blocks")
	}
	return out, nil
}

// ConsultationAnswer is the body of POST /v1/dossiers/{id}/consultation.
type ConsultationAnswer struct {
	Outcome  string    `json:"outcome"`
	Comment  string    `json:"comment"`
	Document *Document `json:"document,omitempty"`
}

// Status is the HTTP status that answers an error of the given code (see
// motcua.Error); 500 for a code the contract does not know.
func Status(code string) int {
	switch code {
	case motcua.CodeInvalidRequest, motcua.CodeUnknownProcedure:
		return http.StatusBadRequest
	case motcua.CodeUnauthenticated:
		return http.StatusUnauthorized
	case motcua.CodeForbidden:
		return http.StatusForbidden
	case motcua.CodeNotFound:
		return http.StatusNotFound
	case motcua.CodeInvalidState:
		return http.StatusConflict
	case motcua.CodeTooLarge:
		return http.StatusRequestEntityTooLarge
	case motcua.CodeSigningFailed:
		return http.StatusUnprocessableEntity
	case motcua.CodeRateLimited:
		return http.StatusTooManyRequests
	case motcua.CodeUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}
