package activities_test

import (
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/testsuite"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/activities"
	"github.com/motcua/motcua/internal/catalog"
)

// A reminder reaches the specialist holding the dossier and the leaders by
// email over a real SMTP server, each once: a retry sends nothing again. A
// specialist who does not hold it is not told.
func TestRemindStaffEmailsTheHolderAndTheLeaders(t *testing.T) {
	a, smtp := setup(t)
	a.Catalog = catalog.Default()
	staff := func(id string, role motcua.Role, email string) motcua.StaffContact {
		return motcua.StaffContact{User: motcua.User{ID: id, Role: role}, Email: email}
	}
	a.Staff = []motcua.StaffContact{
		staff("clerk1", motcua.RoleClerk, "clerk1@tanlap.gov.vn"),
		staff("specialist1", motcua.RoleSpecialist, "huy@tanlap.gov.vn"),
		staff("specialist2", motcua.RoleSpecialist, "lan@tanlap.gov.vn"),
		staff("chairman1", motcua.RoleChairman, "vinh@tanlap.gov.vn"),
		staff("vice1", motcua.RoleViceChairman, "huong@tanlap.gov.vn"),
		staff("auditor1", motcua.RoleAuditor, "tuan@tanlap.gov.vn"),
	}
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	env.RegisterActivity(a)
	in := activities.RemindInput{DossierID: "000.00.01.H22-261125-0001", ProcedureCode: "1.004227", Status: motcua.StatusInReview,
		Outcome: "reminder", DueAt: time.Date(2026, 11, 30, 17, 0, 0, 0, motcua.Vietnam), Holders: []string{"specialist1", "clerk1"}}
	for range 2 {
		if _, err := env.ExecuteActivity(a.RemindStaff, in); err != nil {
			t.Fatal(err)
		}
	}
	to := map[string]int{}
	for _, m := range smtp.Mail() {
		to[strings.Join(m.To, ",")]++
		if !strings.Contains(m.Data, "đang ở trạng thái: Đang thẩm định") || !strings.Contains(m.Data, "Hạn: 17:00 30/11/2026") {
			t.Errorf("mail:\n%s", m.Data)
		}
	}
	want := map[string]int{"huy@tanlap.gov.vn": 1, "vinh@tanlap.gov.vn": 1, "huong@tanlap.gov.vn": 1}
	if len(to) != len(want) {
		t.Fatalf("mailed %v, want %v", to, want)
	}
	for addr, n := range want {
		if to[addr] != n {
			t.Errorf("mailed %v, want %v", to, want)
		}
	}
}
