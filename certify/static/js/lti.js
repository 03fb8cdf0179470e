/* certify's LTI pages inside a learning platform's frame (no inline scripts: the pages run
   under a Content Security Policy).

   - Login (#lti-login): keeps the login's state and nonce in the platform's storage when the
     platform offered it (1EdTech "LTI Client Side postMessages", lti_storage_target), then
     goes on to the platform if this frame keeps certify's cookies or the platform holds the
     state; otherwise offers the Storage Access API and a new window.
   - Platform storage check (#lti-storage-check): finds the state and nonce in the
     platform's storage and posts the launch again from certify's own page.
   - Keep signed in (#lti-keep-signed-in): storage access, or a new window.
   - Deep-linking return: posts the selection from the frame the platform opened.
   - Dynamic Registration: tells the platform the registration is over. */
(function () {
  "use strict";

  var STORAGE_TIMEOUT_MS = 2500;

  function byId(id) {
    return document.getElementById(id);
  }

  function platformFrame(target) {
    var parent = window.parent;
    if (!target || !parent || parent === window) {
      return null;
    }
    if (target === "_parent") {
      return parent;
    }
    try {
      return parent.frames[target] || null;
    } catch (error) {
      return null;
    }
  }

  /* One request to the platform's storage; resolves with its answer, or null. */
  function askPlatform(target, origin, message) {
    var frame = platformFrame(target);
    if (!frame || !window.Promise) {
      return Promise.resolve(null);
    }
    var id = message.subject + "-" + Math.random().toString(36).slice(2);
    message.message_id = id;
    return new Promise(function (resolve) {
      var timer;
      function listen(event) {
        var data = event.data || {};
        if (event.origin !== origin || data.message_id !== id ||
            data.subject !== message.subject + ".response") {
          return;
        }
        finish(data.error ? null : data);
      }
      function finish(answer) {
        window.clearTimeout(timer);
        window.removeEventListener("message", listen);
        resolve(answer);
      }
      timer = window.setTimeout(function () { finish(null); }, STORAGE_TIMEOUT_MS);
      window.addEventListener("message", listen);
      frame.postMessage(message, origin);
    });
  }

  function putInPlatform(data, key, value) {
    return askPlatform(data.storageTarget, data.storageOrigin,
      {subject: "lti.put_data", key: key, value: value});
  }

  function getFromPlatform(data, key) {
    return askPlatform(data.storageTarget, data.storageOrigin,
      {subject: "lti.get_data", key: key}).then(function (answer) {
        return answer ? answer.value : null;
      });
  }

  function cookieKept(name) {
    return document.cookie.split(";").some(function (cookie) {
      return cookie.trim().indexOf(name + "=") === 0;
    });
  }

  /* Storage Access API, where the browser has it; the new-window form is always shown. */
  function offerStorageAccess() {
    var box = byId("lti-storage-access");
    if (!box || !document.requestStorageAccess || window.parent === window) {
      return;
    }
    box.hidden = false;
    byId("lti-allow-storage").addEventListener("click", function () {
      document.requestStorageAccess().then(function () {
        byId("lti-login-again").submit();
      }, function () {
        byId("lti-storage-refused").hidden = false;
      });
    });
  }

  function startLogin(box) {
    var data = box.dataset;
    var stored = Promise.resolve(false);
    if (data.storageTarget) {
      stored = Promise.all([
        putInPlatform(data, "state_" + data.state, data.state),
        putInPlatform(data, "nonce_" + data.nonce, data.nonce)
      ]).then(function (answers) {
        return answers.every(Boolean);
      });
    }
    stored.then(function (inPlatform) {
      if (cookieKept(data.checkCookie) || inPlatform) {
        window.location.replace(data.authUrl);
        return;
      }
      byId("lti-opening").hidden = true;
      byId("lti-cookies-blocked").hidden = false;
      offerStorageAccess();
    });
  }

  function checkPlatformStorage(box) {
    var data = box.dataset;
    Promise.all([
      getFromPlatform(data, "state_" + data.state),
      getFromPlatform(data, "nonce_" + data.nonce)
    ]).then(function (values) {
      if (values[0] === data.state && values[1] === data.nonce) {
        byId("lti-launch-again").submit();
      } else {
        byId("lti-storage-missing").hidden = false;
      }
    });
  }

  function closeRegistration() {
    (window.opener || window.parent).postMessage({subject: "org.imsglobal.lti.close"}, "*");
  }

  var login = byId("lti-login");
  if (login) {
    startLogin(login);
  }
  var storageCheck = byId("lti-storage-check");
  if (storageCheck) {
    checkPlatformStorage(storageCheck);
  }
  if (byId("lti-keep-signed-in")) {
    offerStorageAccess();
  }
  var deepLinkReturn = byId("deep-link-return");
  if (deepLinkReturn) {
    deepLinkReturn.submit();
  }
  var close = byId("close-registration");
  if (close) {
    close.addEventListener("click", closeRegistration);
    if (close.hasAttribute("data-close-now")) {
      closeRegistration();
    }
  }
}());
