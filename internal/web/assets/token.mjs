// Signs dossiers with the leader's own USB token through the signing agent
// on their computer (`motcua sign-agent`, over loopback): the agent gives
// the certificate, the server prepares a signing request per dossier, the
// agent asks the leader to confirm them all at once and signs the digests
// with the token, the server completes each signature. The key never
// leaves the token, and the certificate is read once per batch: a token
// swapped in the middle signs nothing the server accepts.
const button = document.getElementById("sign-token") || document.getElementById("sign-all-token");
const status = document.getElementById("token-status");

async function post(url, fields) {
  const body = new FormData();
  for (const [k, v] of Object.entries(fields)) {
    for (const x of [].concat(v)) body.append(k, x);
  }
  const res = await fetch(url, { method: "POST", body, credentials: "same-origin" });
  const answer = await res.json();
  if (!res.ok) throw new Error(answer.error || res.statusText);
  return answer;
}

async function signWithToken() {
  const { agent, csrf } = button.dataset;
  const ids = (button.dataset.dossiers || "").split(" ").filter(Boolean);
  button.disabled = true;
  const results = [];
  try {
    status.textContent = "Đang đọc chứng thư từ USB token…";
    const certRes = await fetch(agent + "/certificate");
    if (!certRes.ok) throw new Error("the signing agent answered " + certRes.status);
    const cert = await certRes.json();
    const requests = [];
    for (const id of ids) {
      try {
        const req = await post(`/dossiers/${encodeURIComponent(id)}/signing-request`, { csrf, certificate: cert.certificate, chain: cert.chain });
        requests.push({ dossier_id: id, signing_request_id: req.signing_request_id, digest_base64: req.digest_base64 });
      } catch (e) {
        results.push([id, false, e.message]);
      }
    }
    if (requests.length > 0) {
      status.textContent = `Xác nhận ${requests.length} hồ sơ trên máy tính có USB token…`;
      const signed = await fetch(agent + "/sign", {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ requests }),
      });
      if (!signed.ok) throw new Error("the token did not sign (" + signed.status + ")");
      const { signatures } = await signed.json();
      for (const [i, r] of requests.entries()) {
        try {
          const done = await post(`/dossiers/${encodeURIComponent(r.dossier_id)}/token-signature`, { csrf, signing_request_id: r.signing_request_id, signature: signatures[i] });
          results.push([r.dossier_id, true, done.message]);
        } catch (e) {
          results.push([r.dossier_id, false, e.message]);
        }
      }
    }
  } catch (e) {
    status.textContent = "Không ký được / not signed: " + e.message;
    button.disabled = false;
    return;
  }
  if (ids.length === 1 && results[0][1]) {
    location.href = `/dossiers/${encodeURIComponent(ids[0])}?msg=${encodeURIComponent(results[0][2])}`;
    return;
  }
  // A result per dossier: one that failed never hides the others.
  status.textContent = "";
  const table = document.createElement("table");
  table.className = "list token-results";
  for (const [id, ok, message] of results) {
    const row = table.insertRow();
    row.className = ok ? "ok" : "overdue";
    row.insertCell().textContent = id;
    row.insertCell().textContent = message;
  }
  status.after(table);
  const back = document.createElement("a");
  back.href = "/inbox";
  back.textContent = "Cập nhật danh sách / refresh the list";
  table.after(back);
}

if (button) button.addEventListener("click", signWithToken);
