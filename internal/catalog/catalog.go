// Package catalog reads the procedure catalog: the commune's procedures as
// data, a versioned JSON file. The default, default.json, is built into the
// binary; `--catalog FILE` replaces it. A dossier records the procedure it
// was taken in with (and the catalog version) in its history, so a new file
// changes new dossiers only.
package catalog

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"regexp"

	"github.com/motcua/motcua"
)

// File is the catalog file's shape.
type File struct {
	// Version names this edition of the catalog; each procedure is shown
	// and recorded with it. Change it with every change of the file.
	Version string `json:"version"`
	// About says where the catalog's codes, times and fees come from.
	About string `json:"about,omitempty"`
	// Registers are the registers results are numbered in; a procedure
	// names its own by code.
	Registers []motcua.Register `json:"registers,omitempty"`
	// Issue is how signed results are issued where a procedure does not
	// say: by the records officer (empty), or "auto".
	Issue      string             `json:"issue,omitempty"`
	Procedures []motcua.Procedure `json:"procedures"`
}

//go:embed default.json
var defaultJSON []byte

// Default is the catalog built into the binary.
func Default() motcua.Catalog {
	c, err := Parse(defaultJSON)
	if err != nil {
		panic("catalog: default.json: " + err.Error())
	}
	return c
}

// Load reads a catalog file.
func Load(path string) (motcua.Catalog, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read the catalog: %w", err)
	}
	c, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("catalog %s: %w", path, err)
	}
	return c, nil
}

var (
	codeShape    = regexp.MustCompile(`^[0-9]\.[0-9]{6}$`)
	nameShape    = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	docCodeShape = regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`)
	// registerShape: the register's code is printed in every number it
	// gives ("Số: 12/2026/KS").
	registerShape = regexp.MustCompile(`^[A-Z][A-Z0-9-]{0,15}$`)
)

// Parse reads and checks a catalog: every procedure well formed, codes
// unique, each step known, the whole file's version on each procedure.
func Parse(b []byte) (motcua.Catalog, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var f File
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("not a catalog: %w", err)
	}
	if f.Version == "" {
		return nil, fmt.Errorf("the catalog has no version")
	}
	if len(f.Procedures) == 0 {
		return nil, fmt.Errorf("the catalog has no procedures")
	}
	registers := map[string]string{}
	for i, r := range f.Registers {
		switch {
		case !registerShape.MatchString(r.Code):
			return nil, fmt.Errorf("register %d: code %q must be upper-case letters, digits or '-', at most 16", i+1, r.Code)
		case r.Name == "":
			return nil, fmt.Errorf("register %s has no name", r.Code)
		case registers[r.Code] != "":
			return nil, fmt.Errorf("register %s is listed twice", r.Code)
		}
		registers[r.Code] = r.Name
	}
	if err := checkIssue(f.Issue); err != nil {
		return nil, fmt.Errorf("issue: %w", err)
	}
	seen := map[string]bool{}
	c := make(motcua.Catalog, 0, len(f.Procedures))
	for i, p := range f.Procedures {
		if p.Version != "" && p.Version != f.Version {
			return nil, fmt.Errorf("procedure %d (%s): version %q is not the catalog's %q", i+1, p.Code, p.Version, f.Version)
		}
		p.Version = f.Version
		if p.Register != "" {
			if p.RegisterName = registers[p.Register]; p.RegisterName == "" {
				return nil, fmt.Errorf("procedure %d (%s): register %q is not one of the catalog's registers", i+1, p.Code, p.Register)
			}
		}
		if p.Issue == "" {
			p.Issue = f.Issue
		}
		if err := checkIssue(p.Issue); err != nil {
			return nil, fmt.Errorf("procedure %d (%s): issue: %w", i+1, p.Code, err)
		}
		if err := check(p); err != nil {
			return nil, fmt.Errorf("procedure %d (%s): %w", i+1, p.Code, err)
		}
		if seen[p.Code] {
			return nil, fmt.Errorf("procedure %d: code %s is listed twice", i+1, p.Code)
		}
		seen[p.Code] = true
		c = append(c, p)
	}
	return c, nil
}

// checkIssue checks how results are issued: by the records officer
// (empty, or said) or automatically.
func checkIssue(issue string) error {
	if issue != "" && issue != motcua.IssueAuto && issue != motcua.IssueRecordsOfficer {
		return fmt.Errorf("%q: give %q or %q (the catalog's default when left out)", issue, motcua.IssueRecordsOfficer, motcua.IssueAuto)
	}
	return nil
}

// check is one procedure's checks.
func check(p motcua.Procedure) error {
	switch {
	case !codeShape.MatchString(p.Code):
		return fmt.Errorf("code must look like 1.001193")
	case p.Name == "" || p.ResultTitle == "":
		return fmt.Errorf("name and result_title are required")
	case (p.SLAWorkingDays > 0) == (p.SLAWorkingHours > 0):
		return fmt.Errorf("give either sla_working_days or sla_working_hours, a positive number")
	case p.SLAWorkingHours > 8:
		return fmt.Errorf("sla_working_hours is for same-day procedures: at most 8")
	case !p.SignerRole.Signs():
		return fmt.Errorf("signer_role must be chairman or vice_chairman")
	case p.FeeVND < 0:
		return fmt.Errorf("fee_vnd cannot be negative")
	case len(p.RequiredDocuments) == 0:
		return fmt.Errorf("no required documents")
	}
	fields := map[string]motcua.FieldType{}
	for _, f := range p.Fields {
		if !nameShape.MatchString(f.Name) || f.Label == "" {
			return fmt.Errorf("field %q: a snake_case name and a label are required", f.Name)
		}
		if f.Type != motcua.FieldString && f.Type != motcua.FieldDate && f.Type != motcua.FieldNumber {
			return fmt.Errorf("field %s: type must be string, date or number", f.Name)
		}
		if _, dup := fields[f.Name]; dup {
			return fmt.Errorf("field %s is listed twice", f.Name)
		}
		fields[f.Name] = f.Type
	}
	if p.FeePer != "" && fields[p.FeePer] != motcua.FieldNumber {
		return fmt.Errorf("fee_per %q is not a number field of the procedure", p.FeePer)
	}
	docs := map[string]bool{}
	for _, d := range p.RequiredDocuments {
		if !docCodeShape.MatchString(d.Code) || d.Name == "" || docs[d.Code] {
			return fmt.Errorf("required document %q: an upper-case code, unique, and a name are required", d.Code)
		}
		docs[d.Code] = true
	}
	return checkSteps(p)
}

// checkSteps checks the procedure's steps: each known and once, review
// before the signature, which comes last; a payment step exactly when
// there is a fee; a consultation step exactly when an agency is named.
func checkSteps(p motcua.Procedure) error {
	at := map[motcua.StepKind]int{}
	for i, s := range p.Plan() {
		known := false
		for _, k := range motcua.StepKinds {
			known = known || k == s
		}
		if !known {
			return fmt.Errorf("step %q: steps are %v", s, motcua.StepKinds)
		}
		if _, dup := at[s]; dup {
			return fmt.Errorf("step %s is listed twice", s)
		}
		at[s] = i
	}
	plan := p.Plan()
	review, hasReview := at[motcua.StepReview]
	switch {
	case !hasReview || plan[len(plan)-1] != motcua.StepSignature:
		return fmt.Errorf("steps must include review and end with signature")
	case p.Has(motcua.StepConsultation) && at[motcua.StepConsultation] < review:
		return fmt.Errorf("the consultation comes after the review")
	case p.Has(motcua.StepPayment) != (p.FeeVND > 0):
		return fmt.Errorf("a procedure has a payment step exactly when it has a fee")
	case p.Has(motcua.StepConsultation) != (p.Consultation != nil):
		return fmt.Errorf("a procedure has a consultation step exactly when it names the agency (consultation)")
	case p.Consultation != nil && (p.Consultation.Agency == "" || p.Consultation.WorkingDays < 1):
		return fmt.Errorf("consultation needs an agency and working_days")
	}
	return nil
}
