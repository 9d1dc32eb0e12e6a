package motcua

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// Every stage, role and step outcome the workflows record has its
// Vietnamese name: the outcomes are read from the workflows' source, so a
// new one without a name fails here.
func TestEveryNameHasItsVietnamese(t *testing.T) {
	for _, s := range []Stage{StageIntake, StageReview, StageSupplement, StageSignature, StageArchive, StageNotify, StagePayment, StageConsultation, StageHandBack} {
		if s.Vietnamese() == string(s) {
			t.Errorf("stage %s has no Vietnamese name", s)
		}
	}
	for _, r := range []Role{RoleClerk, RoleSpecialist, RoleChairman, RoleViceChairman, RoleAuditor, RoleSystem} {
		if r.Vietnamese() == string(r) {
			t.Errorf("role %s has no Vietnamese name", r)
		}
	}
	outcomes := map[string]bool{}
	literal := regexp.MustCompile(`(?:w\.step\(ctx, [^,]+, [^,]+, |markDeadline\(ctx, |mark\(|w\.notify\(ctx, )"([a-z_]+)"`)
	files, _ := filepath.Glob("workflows/*.go")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range literal.FindAllSubmatch(b, -1) {
			outcomes[string(m[1])] = true
		}
	}
	if len(outcomes) < 20 {
		t.Fatalf("found only %d outcomes in the workflows: %v", len(outcomes), outcomes)
	}
	for o := range outcomes {
		if OutcomeVietnamese(o) == o {
			t.Errorf("outcome %q has no Vietnamese name", o)
		}
	}
}
