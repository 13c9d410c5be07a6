// Passkeys (WebAuthn) for «Безопасность входа» and the second step of sign-in. A button with
// data-passkey="create" (add a key) or "get" (sign in) fetches options from data-options,
// asks the browser, and posts the result to data-submit; the answer names where to go next.
// No inline script (CSP): this file is loaded with defer.
(function () {
  "use strict";

  function toBuffer(text) {
    var base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) base64 += "=";
    var binary = atob(base64);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes.buffer;
  }

  function toText(buffer) {
    var bytes = new Uint8Array(buffer);
    var binary = "";
    for (var i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function csrfToken() {
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(body || {}),
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) throw new Error(data.detail || response.statusText);
        return data;
      });
    });
  }

  function created(credential) {
    var response = credential.response;
    return {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      response: {
        clientDataJSON: toText(response.clientDataJSON),
        attestationObject: toText(response.attestationObject),
        transports: response.getTransports ? response.getTransports() : [],
      },
      clientExtensionResults: credential.getClientExtensionResults(),
    };
  }

  function asserted(credential) {
    var response = credential.response;
    return {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      response: {
        clientDataJSON: toText(response.clientDataJSON),
        authenticatorData: toText(response.authenticatorData),
        signature: toText(response.signature),
        userHandle: response.userHandle ? toText(response.userHandle) : null,
      },
      clientExtensionResults: credential.getClientExtensionResults(),
    };
  }

  function run(button) {
    var status = document.getElementById(button.dataset.status);
    var nameField = button.dataset.name ? document.getElementById(button.dataset.name) : null;
    var creating = button.dataset.passkey === "create";
    status.textContent = "";
    button.disabled = true;
    post(button.dataset.options)
      .then(function (options) {
        options.challenge = toBuffer(options.challenge);
        (options.excludeCredentials || options.allowCredentials || []).forEach(function (c) {
          c.id = toBuffer(c.id);
        });
        if (creating) {
          options.user.id = toBuffer(options.user.id);
          return navigator.credentials.create({ publicKey: options }).then(created);
        }
        return navigator.credentials.get({ publicKey: options }).then(asserted);
      })
      .then(function (credential) {
        return post(button.dataset.submit, { credential: credential, name: nameField ? nameField.value : "" });
      })
      .then(function (answer) {
        window.location.assign(answer.redirect);
      })
      .catch(function (error) {
        var browserRefused = error && error.name && error.name !== "Error";
        status.textContent = browserRefused ? button.dataset.failed : (error.message || button.dataset.failed);
        button.disabled = false;
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-passkey]").forEach(function (button) {
      if (!window.PublicKeyCredential) {
        button.disabled = true;
        return;
      }
      button.addEventListener("click", function (event) {
        event.preventDefault();
        run(button);
      });
    });
  });
})();
