// Signs a dossier with the leader's own USB token through the signing agent
// on their computer (`motcua sign-agent`, over loopback): the agent gives
// the certificate, the server prepares the signing request, the agent asks
// the leader to confirm and signs the digest with the token, the server
// completes the signature. The key never leaves the token.
const button = document.getElementById("sign-token");
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
  const { agent, dossier, csrf } = button.dataset;
  button.disabled = true;
  try {
    status.textContent = "Đang đọc chứng thư từ USB token…";
    const certRes = await fetch(agent + "/certificate");
    if (!certRes.ok) throw new Error("the signing agent answered " + certRes.status);
    const cert = await certRes.json();
    const req = await post(`/dossiers/${encodeURIComponent(dossier)}/signing-request`, { csrf, certificate: cert.certificate, chain: cert.chain });
    status.textContent = "Xác nhận trên máy tính có USB token…";
    const signed = await fetch(agent + "/sign", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ requests: [{ dossier_id: dossier, signing_request_id: req.signing_request_id, digest_base64: req.digest_base64 }] }),
    });
    if (!signed.ok) throw new Error("the token did not sign (" + signed.status + ")");
    const { signatures } = await signed.json();
    const done = await post(`/dossiers/${encodeURIComponent(dossier)}/token-signature`, { csrf, signing_request_id: req.signing_request_id, signature: signatures[0] });
    location.href = `/dossiers/${encodeURIComponent(dossier)}?msg=${encodeURIComponent(done.message)}`;
  } catch (e) {
    status.textContent = "Không ký được / not signed: " + e.message;
    button.disabled = false;
  }
}

if (button) button.addEventListener("click", signWithToken);
