/* Verifying a certificate's QR token in the browser, with the public keys and revocation
   status lists saved on the device (docs/qr-token.md). Version 2 tokens (digits: COSE_Sign1
   over CBOR claims) and version 1 tokens (a compact JWS) are both checked with the browser's
   own Ed25519 (Web Crypto); nothing leaves the device. */
(function () {
  "use strict";

  const root = document.getElementById("offline-verifier");
  if (!root) {
    return;
  }
  const data = root.dataset;
  const STORE = "certify-offline";
  const statusLine = document.getElementById("offline-status");
  const verdictBox = document.getElementById("offline-verdict");

  function say(template, values) {
    return template.replace(/%\(([a-z]+)\)s/g, (_, name) => values[name] ?? "");
  }

  function formatDate(date) {
    return date.toLocaleDateString(data.locale, {year: "numeric", month: "long", day: "numeric"});
  }

  // --- what is kept on the device --------------------------------------------------------------

  function saved() {
    try {
      return JSON.parse(localStorage.getItem(STORE)) || null;
    } catch (error) {
      return null;
    }
  }

  async function refresh() {
    const lists = {};
    const jwks = await (await fetch(data.jwksUrl, {cache: "no-store"})).json();
    for (const number of data.statusLists.split(",").filter(Boolean)) {
      const url = data.statusUrlTemplate.replace("{n}", number);
      lists[number] = await (await fetch(url, {cache: "no-store"})).json();
    }
    const kept = {jwks: jwks, lists: lists, fetchedAt: new Date().toISOString()};
    localStorage.setItem(STORE, JSON.stringify(kept));
    return kept;
  }

  function showReadiness(kept) {
    statusLine.textContent = kept
      ? say(data.textReady, {date: formatDate(new Date(kept.fetchedAt))})
      : data.textNoKeys;
  }

  // --- bytes -----------------------------------------------------------------------------------

  function fromBase64Url(text) {
    const base64 = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
    return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  }

  function fromDecimal(digits) {
    let number = BigInt(digits);
    const bytes = [];
    while (number > 0n) {
      bytes.unshift(Number(number & 0xffn));
      number >>= 8n;
    }
    return Uint8Array.from(bytes);
  }

  function concat(...parts) {
    const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
    let offset = 0;
    for (const part of parts) {
      out.set(part, offset);
      offset += part.length;
    }
    return out;
  }

  // --- CBOR, as much as the token uses ---------------------------------------------------------

  function decodeCbor(bytes) {
    let at = 0;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    function length(info) {
      if (info < 24) return info;
      if (info === 24) return bytes[at++];
      if (info === 25) { at += 2; return view.getUint16(at - 2); }
      if (info === 26) { at += 4; return view.getUint32(at - 4); }
      if (info === 27) { at += 8; return Number(view.getBigUint64(at - 8)); }
      throw new Error("unsupported CBOR length");
    }
    function item() {
      if (at >= bytes.length) throw new Error("truncated CBOR");
      const initial = bytes[at++];
      const major = initial >> 5;
      const value = length(initial & 31);
      switch (major) {
        case 0: return value;
        case 1: return -1 - value;
        case 2: at += value; return bytes.slice(at - value, at);
        case 3: at += value; return new TextDecoder().decode(bytes.slice(at - value, at));
        case 4: return Array.from({length: value}, item);
        case 5: {
          const map = new Map();
          for (let n = 0; n < value; n++) map.set(item(), item());
          return map;
        }
        case 6: return {tag: value, value: item()};
        default: throw new Error("unsupported CBOR item");
      }
    }
    const result = item();
    if (at !== bytes.length) throw new Error("trailing bytes");
    return result;
  }

  function cborHeader(major, size) {
    if (size < 24) return Uint8Array.of((major << 5) | size);
    if (size < 256) return Uint8Array.of((major << 5) | 24, size);
    return Uint8Array.of((major << 5) | 25, size >> 8, size & 255);
  }

  function cborBytes(bytes) {
    return concat(cborHeader(2, bytes.length), bytes);
  }

  // --- signatures ------------------------------------------------------------------------------

  async function ed25519Verify(jwk, signature, message) {
    try {
      const key = await crypto.subtle.importKey("jwk", {kty: "OKP", crv: "Ed25519", x: jwk.x},
                                                {name: "Ed25519"}, false, ["verify"]);
      return await crypto.subtle.verify({name: "Ed25519"}, key, signature, message);
    } catch (error) {
      return false;
    }
  }

  function eddsaKeys(jwks) {
    return (jwks.keys || []).filter((key) => key.kty === "OKP" && key.crv === "Ed25519");
  }

  const DAY = 86400000;

  async function readVersion2(digits, jwks) {
    const message = decodeCbor(fromDecimal(digits));
    if (!message || message.tag !== 18 || !Array.isArray(message.value) ||
        message.value.length !== 4) {
      throw new Error("not COSE_Sign1");
    }
    const [protectedHeader, , payload, signature] = message.value;
    const label = new TextEncoder().encode("Signature1");
    const toBeSigned = concat(Uint8Array.of(0x84), cborHeader(3, label.length), label,
                              cborBytes(protectedHeader), Uint8Array.of(0x40), cborBytes(payload));
    for (const jwk of eddsaKeys(jwks)) {
      if (await ed25519Verify(jwk, signature, toBeSigned)) {
        const claims = decodeCbor(payload);
        return {
          serial: claims.get(1), holder: claims.get(3), programme: claims.get(4),
          hours: claims.get(5) / 10, issued: new Date(claims.get(6) * DAY),
          expires: claims.has(8) ? new Date(claims.get(8) * DAY) : null,
          index: claims.get(7),
        };
      }
    }
    return null;
  }

  async function readVersion1(token, jwks) {
    const parts = token.split(".");
    if (parts.length !== 3) throw new Error("not a JWS");
    const header = JSON.parse(new TextDecoder().decode(fromBase64Url(parts[0])));
    const kid = String(header.kid || "").split("/").pop();
    const jwk = eddsaKeys(jwks).find((key) => key.kid === kid);
    const signed = new TextEncoder().encode(parts[0] + "." + parts[1]);
    if (header.alg !== "EdDSA" || !jwk ||
        !(await ed25519Verify(jwk, fromBase64Url(parts[2]), signed))) {
      return null;
    }
    const claims = JSON.parse(new TextDecoder().decode(fromBase64Url(parts[1])));
    return {
      serial: claims.sn, holder: claims.name, programme: claims.prog, hours: claims.hours,
      issued: new Date(claims.issued), expires: claims.expires ? new Date(claims.expires) : null,
      index: claims.sl,
    };
  }

  function tokenIn(text) {
    const cleaned = text.trim();
    const digits = cleaned.match(/(?:^|\/v\/)([1-9][0-9]{99,599})(?:[?#].*)?$/);
    if (digits) return {version: 2, token: digits[1]};
    const jws = cleaned.match(/(?:[?&]t=|^)([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)/);
    if (jws) return {version: 1, token: jws[1]};
    return null;
  }

  // --- revocation ------------------------------------------------------------------------------

  async function revokedIn(list, index) {
    const bit = index % Number(data.listSize);
    const compressed = fromBase64Url(list.credentialSubject.encodedList.slice(1));
    const stream = new Blob([compressed]).stream().pipeThrough(new DecompressionStream("gzip"));
    const bits = new Uint8Array(await new Response(stream).arrayBuffer());
    return (bits[bit >> 3] & (0x80 >> (bit & 7))) !== 0;
  }

  // --- the verdict -----------------------------------------------------------------------------

  function show(kind, word, detail, facts) {
    verdictBox.hidden = false;
    verdictBox.className = "verdict offline-verdict verdict-" + kind;
    verdictBox.querySelector(".verdict-word").textContent = word;
    verdictBox.querySelector(".verdict-detail").textContent = detail;
    const list = verdictBox.querySelector(".certificate-facts");
    list.replaceChildren();
    for (const [term, value] of facts) {
      const dt = document.createElement("dt");
      const dd = document.createElement("dd");
      dt.textContent = term;
      dd.textContent = value;
      list.append(dt, dd);
    }
  }

  async function verify(text) {
    const kept = saved();
    if (!kept) {
      show("not_found", data.textNoKeys, "", []);
      return;
    }
    const found = tokenIn(text);
    if (!found) {
      show("malformed", data.textUnreadable, "", []);
      return;
    }
    let facts = null;
    try {
      facts = found.version === 2 ? await readVersion2(found.token, kept.jwks)
                                  : await readVersion1(found.token, kept.jwks);
    } catch (error) {
      facts = null;
    }
    if (!facts) {
      show("invalid_signature", data.textInvalid, data.textInvalidDetail, []);
      return;
    }
    const shown = [[data.textHolder, facts.holder], [data.textCode, facts.serial],
                   [data.textProgramme, facts.programme], [data.textHours, String(facts.hours)],
                   [data.textIssued, formatDate(facts.issued)]];
    if (facts.expires) shown.push([data.textValidUntil, formatDate(facts.expires)]);
    const list = kept.lists[String(Math.floor(facts.index / Number(data.listSize)) + 1)];
    const listDate = list ? formatDate(new Date(list.validFrom)) : "?";
    if (list && await revokedIn(list, facts.index)) {
      show("revoked", data.textRevoked, say(data.textRevokedDetail, {date: listDate}), shown);
    } else if (facts.expires && facts.expires <= new Date()) {
      show("expired", data.textExpired, "", shown);
    } else {
      show("valid", data.textValid, say(data.textValidDetail, {date: listDate}), shown);
    }
  }

  // --- the camera ------------------------------------------------------------------------------

  async function scan() {
    const video = document.getElementById("offline-camera");
    if (!navigator.mediaDevices || typeof jsQR !== "function") {
      statusLine.textContent = data.textNoCamera;
      return;
    }
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}});
    } catch (error) {
      statusLine.textContent = data.textNoCamera;
      return;
    }
    video.srcObject = stream;
    video.hidden = false;
    await video.play();
    const canvas = document.createElement("canvas");
    const context = canvas.getContext("2d", {willReadFrequently: true});
    const look = () => {
      if (video.videoWidth) {
        canvas.width = video.videoWidth;
        canvas.height = video.videoHeight;
        context.drawImage(video, 0, 0);
        const code = jsQR(context.getImageData(0, 0, canvas.width, canvas.height).data,
                          canvas.width, canvas.height);
        if (code) {
          stream.getTracks().forEach((track) => track.stop());
          video.hidden = true;
          document.getElementById("offline-token").value = code.data;
          verify(code.data);
          return;
        }
      }
      requestAnimationFrame(look);
    };
    look();
  }

  // --- start -----------------------------------------------------------------------------------

  document.getElementById("offline-form").addEventListener("submit", (event) => {
    event.preventDefault();
    verify(document.getElementById("offline-token").value);
  });
  document.getElementById("offline-scan").addEventListener("click", scan);
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(data.swUrl, {scope: "/v/"}).catch(() => {});
  }
  showReadiness(saved());
  refresh().then(showReadiness, () => showReadiness(saved())).finally(() => {
    root.dataset.ready = "true";
  });
})();
