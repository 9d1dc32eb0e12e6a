package activities

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/internal/notify"
)

// RemindInput is a deadline mark the staff must hear of.
type RemindInput struct {
	DossierID     string        `json:"dossier_id"`
	ProcedureCode string        `json:"procedure_code"`
	Status        motcua.Status `json:"status"`
	// Outcome is the mark: reminder, overdue, consultation_reminder,
	// consultation_overdue.
	Outcome string    `json:"outcome"`
	DueAt   time.Time `json:"due_at"`
	// Holders are the users who last acted on the dossier, newest first.
	Holders []string `json:"holders"`
}

// Reminded says who was told.
type Reminded struct {
	Summary string `json:"summary"`
}

// actsOn is the role that acts on a dossier in each status.
var actsOn = map[motcua.Status]motcua.Role{
	motcua.StatusInReview:          motcua.RoleSpecialist,
	motcua.StatusInConsultation:    motcua.RoleSpecialist,
	motcua.StatusAwaitingSignature: motcua.RoleChairman,
	motcua.StatusAwaitingPayment:   motcua.RoleClerk,
}

// RemindStaff emails (and texts, where a phone is configured) the staff
// holding the dossier and the leaders: the holders, everyone of the role
// that acts on the dossier now when no holder has it, and the chairman and
// vice-chairmen. Each message is keyed on the dossier, the mark and the
// user: a retry sends nothing twice.
func (a *Activities) RemindStaff(ctx context.Context, in RemindInput) (Reminded, error) {
	p, _ := a.Catalog.Lookup(in.ProcedureCode)
	subject := fmt.Sprintf("[%s] Hồ sơ %s: %s", label(in.Outcome), in.DossierID, p.Name)
	body := fmt.Sprintf("Hồ sơ %s (%s) đang ở trạng thái: %s.\nHạn: %s.\n\n%s",
		in.DossierID, p.Name, in.Status.Vietnamese(), in.DueAt.In(motcua.Vietnam).Format("15:04 02/01/2006"), a.Unit.Name)
	var told []string
	var errs []error
	for _, c := range a.recipients(in) {
		for _, ch := range []struct {
			once notify.Once
			to   string
		}{{a.Email, c.Email}, {a.SMS, c.Phone}} {
			if ch.to == "" || ch.once.Sender == nil {
				continue
			}
			key := in.DossierID + "/" + in.Outcome + "/" + c.ID
			if _, err := ch.once.Send(ctx, notify.Message{Key: key, To: ch.to, Subject: subject, Body: body}); err != nil {
				errs = append(errs, err)
				continue
			}
			told = append(told, c.ID+" ("+ch.once.Channel+")")
		}
	}
	if err := errors.Join(errs...); err != nil {
		return Reminded{}, err
	}
	out := Reminded{Summary: "told: " + strings.Join(told, ", ")}
	if len(told) == 0 {
		out.Summary = "no staff with an email or phone to tell"
	}
	a.logger(ctx, in.DossierID).Info().Str("outcome", in.Outcome).Strs("told", told).Msg("staff reminded")
	return out, nil
}

// recipients are the staff a mark goes to, without repeats, in a fixed
// order.
func (a *Activities) recipients(in RemindInput) []motcua.StaffContact {
	byID := map[string]motcua.StaffContact{}
	for _, c := range a.Staff {
		byID[c.ID] = c
	}
	var ids []string
	add := func(id string) {
		if _, ok := byID[id]; ok && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	role := actsOn[in.Status]
	held := false
	for _, id := range in.Holders {
		if c, ok := byID[id]; ok && (c.Role == role || (role == motcua.RoleChairman && c.Role.Signs())) {
			add(id)
			held = true
		}
	}
	for _, c := range a.Staff {
		if (!held && c.Role == role) || c.Role.Signs() {
			add(c.ID)
		}
	}
	out := make([]motcua.StaffContact, len(ids))
	for i, id := range ids {
		out[i] = byID[id]
	}
	return out
}

func label(outcome string) string {
	switch outcome {
	case "reminder":
		return "Sắp đến hạn"
	case "overdue":
		return "Quá hạn"
	case "consultation_reminder":
		return "Sắp đến hạn trả lời của cơ quan phối hợp"
	case "consultation_overdue":
		return "Cơ quan phối hợp quá hạn trả lời"
	}
	return outcome
}
