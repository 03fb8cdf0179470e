"""A small LTI 1.3 Advantage platform for the tests and ``python -m certify.bench lti``, served
over real HTTP on 127.0.0.1.

It plays Moodle's part: its own RSA key and key set, the OIDC authorisation endpoint that
answers certify's login with a signed id_token, a token endpoint that checks certify's
signed client assertions, AGS line items and scores, NRPS memberships with paging, deep
linking returns, and Dynamic Registration. Tests build launch tokens with :meth:`claims` and
:meth:`sign`, tampering with whatever they like; the browser tests drive its pages.
"""

from __future__ import annotations

import itertools
import json
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from urllib.parse import urlencode

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask, Response, abort, jsonify, request
from werkzeug.serving import make_server

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
TEACHING_ASSISTANT = "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant"
CONTENT_DEVELOPER = "http://purl.imsglobal.org/vocab/lis/v2/membership#ContentDeveloper"
ADMINISTRATOR = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator"
MENTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Mentor"
SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
LINEITEM_READ = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
RESULT_READ = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
MEMBERSHIP = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
AGS_SCOPES = [LINEITEM, LINEITEM_READ, RESULT_READ, SCORE]
STORAGE_FRAME = "post_message_forwarding"  # the name of the platform's storage frame


def new_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_jwk(key, kid: str) -> dict:
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    jwk.update(kid=kid, alg="RS256", use="sig")
    return jwk


@dataclass
class User:
    user_id: str
    roles: list[str]
    given_name: str = ""
    family_name: str = ""
    email: str | None = None
    status: str = "Active"

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()


@dataclass
class Course:
    context_id: str
    title: str
    label: str
    members: list[str] = field(default_factory=list)
    # link id -> {"title", "custom", "line_item"}
    links: dict[str, dict] = field(default_factory=dict)


class TestPlatform:
    """Start with :meth:`start`; :meth:`reset` between tests."""

    __test__ = False  # not a test class, whatever its name says

    def __init__(self):
        self.key = new_key()
        self.kid = "platform-key-1"
        self.client_id = "certify-client-1"
        self.deployment_id = "deployment-1"
        self.registration_token = "registration-token-" + secrets.token_hex(8)
        self.lock = threading.Lock()
        self.url = ""
        self.server = None
        self.reset()
        self.app = self._build_app()

    # --- lifecycle -----------------------------------------------------------------------------

    def reset(self) -> None:
        self.published = [public_jwk(self.key, self.kid)]
        self.users: dict[str, User] = {}
        self.courses: dict[str, Course] = {}
        self.line_items: dict[str, dict] = {}  # id (URL) -> line item
        self.scores: dict[str, list[dict]] = {}  # line item id -> scores received
        self.refused_scores: list[dict] = []
        self.tokens: dict[str, tuple[list[str], float]] = {}
        self.token_requests = 0
        self.jwks_requests = 0
        self.membership_requests = 0
        self.members_page_size = 2
        self.token_lifetime = 3600
        self.fail_next_scores: list[tuple[int, str]] = []  # (status, body) to answer instead
        self.tool_jwks: dict | None = None
        self.tool_login_url: str | None = None
        self.tool_redirect_uris: list[str] = []
        self.registrations: list[dict] = []
        self.deep_link_returns: list[dict] = []
        self._ids = itertools.count(1)

    def start(self, *, host: str = "127.0.0.1", ssl_context=None) -> TestPlatform:
        self.server = make_server(host, 0, self.app, threaded=True, ssl_context=ssl_context)
        scheme = "https" if ssl_context is not None else "http"
        self.url = f"{scheme}://{host}:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()

    # --- what certify is told about the platform ----------------------------------------------

    @property
    def issuer(self) -> str:
        return self.url

    @property
    def auth_login_url(self) -> str:
        return f"{self.url}/auth"

    @property
    def token_url(self) -> str:
        return f"{self.url}/token"

    @property
    def key_set_url(self) -> str:
        return f"{self.url}/jwks"

    @property
    def openid_configuration_url(self) -> str:
        return f"{self.url}/.well-known/openid-configuration"

    def lineitems_url(self, context_id: str) -> str:
        return f"{self.url}/courses/{context_id}/lineitems"

    def memberships_url(self, context_id: str) -> str:
        return f"{self.url}/courses/{context_id}/memberships"

    def configure_tool(self, *, jwks: dict, login_url: str, redirect_uri: str) -> None:
        """What an administrator pastes into the platform by hand."""
        self.tool_jwks, self.tool_login_url = jwks, login_url
        self.tool_redirect_uris = [redirect_uri]

    # --- people, courses, activities ----------------------------------------------------------

    def add_user(self, user_id: str, roles: list[str], *, given_name: str = "Ana",
                 family_name: str = "Soto", email: str | None = None) -> User:
        user = User(user_id, roles, given_name, family_name, email)
        self.users[user_id] = user
        return user

    def add_course(self, context_id: str, title: str, *, label: str = "",
                   members: list[str] = ()) -> Course:
        course = Course(context_id, title, label or context_id, list(members))
        self.courses[context_id] = course
        return course

    def add_line_item(self, context_id: str, *, label: str, resource_id: str = "",
                      tag: str = "", score_maximum: float = 100,
                      resource_link_id: str = "") -> dict:
        with self.lock:
            item_id = f"{self.lineitems_url(context_id)}/{next(self._ids)}"
            item = {"id": item_id, "label": label, "scoreMaximum": score_maximum,
                    "resourceId": resource_id, "tag": tag, "resourceLinkId": resource_link_id}
            self.line_items[item_id] = item
            self.scores[item_id] = []
        return item

    def add_link(self, context_id: str, link_id: str, *, title: str = "certify",
                 custom: dict | None = None, line_item: dict | None = None) -> dict:
        """An activity in the course, as Moodle creates it from a deep-linked content item."""
        item = None
        if line_item is not None:
            item = self.add_line_item(context_id, resource_link_id=link_id, **line_item)
        link = {"title": title, "custom": custom or {}, "line_item": item}
        self.courses[context_id].links[link_id] = link
        return link

    def rotate_key(self) -> str:
        """A new signing key, published next to the old one."""
        self.key = new_key()
        self.kid = f"platform-key-{uuid.uuid4().hex[:8]}"  # a kid names one key, ever
        self.published.append(public_jwk(self.key, self.kid))
        return self.kid

    def scores_for(self, resource_id: str) -> list[dict]:
        return [score for item_id, item in self.line_items.items()
                if item["resourceId"] == resource_id for score in self.scores[item_id]]

    # --- launches -------------------------------------------------------------------------------

    def claims(self, *, user_id: str, nonce: str, context_id: str | None = None,
               link_id: str | None = None, message_type: str = "LtiResourceLinkRequest",
               return_url: str | None = None, accept_multiple: bool = True,
               deep_linking_settings: dict | None = None) -> dict:
        """The id_token a platform sends for ``user_id`` (claims can be changed before signing)."""
        user = self.users[user_id]
        now = int(time.time())
        body = {
            "iss": self.issuer, "aud": self.client_id, "sub": user.user_id,
            "iat": now, "exp": now + 60, "nonce": nonce,
            "name": user.name, "given_name": user.given_name, "family_name": user.family_name,
            CLAIM + "deployment_id": self.deployment_id,
            CLAIM + "message_type": message_type,
            CLAIM + "version": "1.3.0",
            CLAIM + "roles": list(user.roles),
            CLAIM + "target_link_uri": self.tool_redirect_uris[0] if self.tool_redirect_uris
            else "https://certify.test/lti/launch",
            CLAIM + "launch_presentation": {"locale": "es-CL", "document_target": "iframe"},
            CLAIM + "tool_platform": {"guid": "test-platform", "product_family_code": "moodle"},
        }
        if user.email:
            body["email"] = user.email
        if context_id is not None:
            course = self.courses[context_id]
            body[CLAIM + "context"] = {"id": context_id, "title": course.title,
                                       "label": course.label,
                                       "type": ["http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"]}
            body["https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"] = {
                "context_memberships_url": self.memberships_url(context_id),
                "service_versions": ["2.0"]}
            ags = {"scope": list(AGS_SCOPES), "lineitems": self.lineitems_url(context_id)}
            if link_id is not None and message_type == "LtiResourceLinkRequest":
                link = course.links[link_id]
                body[CLAIM + "resource_link"] = {"id": link_id, "title": link["title"]}
                body[CLAIM + "custom"] = dict(link["custom"])
                if link["line_item"] is not None:
                    ags["lineitem"] = link["line_item"]["id"]
            body["https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"] = ags
        if message_type == "LtiDeepLinkingRequest":
            body["https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"] = {
                "deep_link_return_url": return_url or f"{self.url}/deep-link-return/{context_id}",
                "accept_types": ["ltiResourceLink"],
                "accept_presentation_document_targets": ["iframe", "window"],
                "accept_multiple": accept_multiple, "auto_create": True,
                "data": "platform-data-" + str(context_id)}
            # Changed settings; a None value leaves the setting out.
            for name, value in (deep_linking_settings or {}).items():
                settings = body["https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"]
                if value is None:
                    settings.pop(name, None)
                else:
                    settings[name] = value
        return body

    def sign(self, body: dict, *, key=None, kid: str | None = None, alg: str = "RS256") -> str:
        return jwt.encode(body, key or self.key, algorithm=alg,
                          headers={"kid": kid or self.kid})

    def login_parameters(self, *, user_id: str, context_id: str | None = None,
                         link_id: str | None = None,
                         message_type: str = "LtiResourceLinkRequest",
                         storage_target: str | None = None) -> dict:
        """What the platform posts to certify's login URL to start a launch."""
        hint = json.dumps({"context_id": context_id, "link_id": link_id,
                           "message_type": message_type})
        params = {"iss": self.issuer, "login_hint": user_id, "client_id": self.client_id,
                  "lti_deployment_id": self.deployment_id, "lti_message_hint": hint,
                  "target_link_uri": self.tool_redirect_uris[0] if self.tool_redirect_uris
                  else "https://certify.test/lti/launch"}
        if storage_target:
            params["lti_storage_target"] = storage_target
        return params

    # --- services: who may call them ----------------------------------------------------------

    def _require_scope(self, *wanted: str) -> None:
        header = request.headers.get("Authorization", "")
        token = header[7:] if header.startswith("Bearer ") else ""
        granted = self.tokens.get(token)
        if granted is None or granted[1] < time.time():
            abort(Response("invalid or expired access token", 401))
        if not set(wanted) & set(granted[0]):
            abort(Response(f"scope {' or '.join(wanted)} not granted", 403))

    def _tool_key(self, kid: str | None):
        for jwk in (self.tool_jwks or {}).get("keys", []):
            if jwk.get("kid") == kid:
                return jwt.PyJWK.from_dict(jwk).key
        return None

    # --- the platform's HTTP endpoints --------------------------------------------------------

    def _build_app(self) -> Flask:  # noqa: C901 - one small server, one place
        app = Flask("test_platform")
        platform = self

        @app.get("/jwks")
        def jwks():
            platform.jwks_requests += 1
            return jsonify({"keys": platform.published})

        @app.post("/token")
        def token():
            platform.token_requests += 1
            assertion = request.form.get("client_assertion", "")
            try:
                header = jwt.get_unverified_header(assertion)
                key = platform._tool_key(header.get("kid"))
                if key is None:
                    return jsonify({"error": "invalid_client",
                                    "error_description": "unknown kid"}), 401
                claims = jwt.decode(assertion, key, algorithms=["RS256"],
                                    audience=platform.token_url)
            except jwt.InvalidTokenError as error:
                return jsonify({"error": "invalid_client", "error_description": str(error)}), 401
            if claims.get("iss") != platform.client_id or claims.get("sub") != platform.client_id:
                return jsonify({"error": "invalid_client"}), 401
            if request.form.get("grant_type") != "client_credentials":
                return jsonify({"error": "unsupported_grant_type"}), 400
            scopes = request.form.get("scope", "").split()
            access_token = secrets.token_urlsafe(16)
            platform.tokens[access_token] = (scopes, time.time() + platform.token_lifetime)
            return jsonify({"access_token": access_token, "token_type": "Bearer",
                            "expires_in": platform.token_lifetime, "scope": " ".join(scopes)})

        @app.get("/auth")
        def authorize():
            args = request.args
            if args.get("client_id") != platform.client_id:
                return "unknown client", 400
            if args.get("redirect_uri") not in platform.tool_redirect_uris:
                return f"redirect_uri {args.get('redirect_uri')} is not registered", 400
            if (args.get("response_type"), args.get("response_mode"), args.get("scope")) != (
                    "id_token", "form_post", "openid"):
                return "not an LTI authentication request", 400
            hint = json.loads(args.get("lti_message_hint") or "{}")
            body = platform.claims(user_id=args["login_hint"], nonce=args["nonce"],
                                   context_id=hint.get("context_id"),
                                   link_id=hint.get("link_id"),
                                   message_type=hint.get("message_type",
                                                         "LtiResourceLinkRequest"))
            return auto_post(args["redirect_uri"], {"id_token": platform.sign(body),
                                                    "state": args["state"]})

        @app.get("/launch/<context_id>/<link_id>")
        def start_launch(context_id, link_id):
            params = platform.login_parameters(
                user_id=request.args["user"], context_id=context_id, link_id=link_id,
                storage_target=STORAGE_FRAME if request.args.get("storage") else None)
            return auto_post(platform.tool_login_url, params)

        @app.get("/course/<context_id>/<link_id>")
        def course_page(context_id, link_id):
            # As Moodle shows an activity: certify inside an iframe of the course page; with
            # ?storage=1 the page also offers its client-side storage frame.
            user = escape(request.args["user"])
            storage = bool(request.args.get("storage"))
            forwarding = (f'<iframe name="{STORAGE_FRAME}" src="/storage-frame" hidden>'
                          f'</iframe>' if storage else "")
            return (f"<!doctype html><h1>{escape(platform.courses[context_id].title)}</h1>"
                    f"{forwarding}"
                    f'<iframe id="tool" title="certify" style="width:100%;height:700px" '
                    f'src="/launch/{escape(context_id)}/{escape(link_id)}?user={user}'
                    f'{"&storage=1" if storage else ""}"></iframe>')

        @app.get("/deep-link/<context_id>")
        def start_deep_link(context_id):
            params = platform.login_parameters(
                user_id=request.args["user"], context_id=context_id,
                message_type="LtiDeepLinkingRequest",
                storage_target=STORAGE_FRAME if request.args.get("storage") else None)
            return auto_post(platform.tool_login_url, params)

        @app.get("/course/<context_id>/add-activity")
        def add_activity_page(context_id):
            # As Moodle's "Select content": the picker inside an iframe of the course page;
            # with ?storage=1 the page also offers its client-side storage frame.
            user = escape(request.args["user"])
            storage = bool(request.args.get("storage"))
            forwarding = (f'<iframe name="{STORAGE_FRAME}" src="/storage-frame" hidden>'
                          f'</iframe>' if storage else "")
            return (f"<!doctype html><h1>{escape(platform.courses[context_id].title)}</h1>"
                    f"{forwarding}"
                    f'<iframe id="tool" title="certify" style="width:100%;height:700px" '
                    f'src="/deep-link/{escape(context_id)}?user={user}'
                    f'{"&storage=1" if storage else ""}"></iframe>')

        @app.get("/tool-registration")
        def tool_registration():
            # As Moodle's "Add LTI Advantage" panel: the tool's registration page in a frame;
            # the panel closes when the tool posts org.imsglobal.lti.close.
            return (f'<!doctype html><p id="closed">open</p>'
                    f'<iframe id="tool" src="{escape(request.args["url"])}"></iframe>'
                    "<script>window.addEventListener('message', function (event) {"
                    " if ((event.data || {}).subject === 'org.imsglobal.lti.close') {"
                    "  document.getElementById('closed').textContent = 'closed'; } });</script>")

        @app.get("/storage-frame")
        def storage_frame():
            # LTI Client Side postMessages: keeps the tool's values in the browser, answers
            # lti.put_data and lti.get_data from the tool's frame.
            return ("<!doctype html><script>var kept = {};"
                    "window.addEventListener('message', function (event) {"
                    " var data = event.data || {}; var answer = {message_id: data.message_id,"
                    " key: data.key, subject: data.subject + '.response'};"
                    " if (data.subject === 'lti.put_data') { kept[data.key] = data.value;"
                    "  answer.value = data.value; }"
                    " else if (data.subject === 'lti.get_data') { answer.value = kept[data.key]; }"
                    " else { return; }"
                    " event.source.postMessage(answer, event.origin); });</script>")

        @app.post("/deep-link-return/<context_id>")
        def deep_link_return(context_id):
            token = request.form.get("JWT", "")
            try:
                key = platform._tool_key(jwt.get_unverified_header(token).get("kid"))
                body = jwt.decode(token, key, algorithms=["RS256"], audience=platform.issuer)
            except (jwt.InvalidTokenError, TypeError, ValueError) as error:
                return f"invalid deep linking response: {error}", 400
            if body.get("iss") != platform.client_id or \
                    body.get(CLAIM + "message_type") != "LtiDeepLinkingResponse" or \
                    body.get(CLAIM + "deployment_id") != platform.deployment_id or \
                    body.get("https://purl.imsglobal.org/spec/lti-dl/claim/data") != \
                    "platform-data-" + context_id:
                return "deep linking response does not match the request", 400
            items = body.get("https://purl.imsglobal.org/spec/lti-dl/claim/content_items", [])
            platform.deep_link_returns.append(body)
            titles = []
            for item in items:
                link_id = f"link-{uuid.uuid4().hex[:8]}"
                line_item = item.get("lineItem")
                platform.add_link(context_id, link_id, title=item.get("title", ""),
                                  custom=item.get("custom") or {},
                                  line_item=None if line_item is None else {
                                      "label": line_item.get("label", ""),
                                      "resource_id": line_item.get("resourceId", ""),
                                      "tag": line_item.get("tag", ""),
                                      "score_maximum": line_item["scoreMaximum"]})
                titles.append(item.get("title", ""))
            listing = "".join(f"<li>{escape(title)}</li>" for title in titles)
            return f"<h1 id='added'>Added {len(titles)} activities</h1><ul>{listing}</ul>"

        @app.get("/courses/<context_id>/lineitems")
        def list_line_items(context_id):
            platform._require_scope(LINEITEM, LINEITEM_READ)
            prefix = platform.lineitems_url(context_id) + "/"
            items = [item for item_id, item in platform.line_items.items()
                     if item_id.startswith(prefix)]
            for name, key in (("resource_id", "resourceId"), ("tag", "tag"),
                              ("resource_link_id", "resourceLinkId")):
                if request.args.get(name):
                    items = [item for item in items if item.get(key) == request.args[name]]
            return Response(json.dumps(items),
                            mimetype="application/vnd.ims.lis.v2.lineitemcontainer+json")

        @app.post("/courses/<context_id>/lineitems")
        def create_line_item(context_id):
            platform._require_scope(LINEITEM)
            data = json.loads(request.data or b"{}")
            if not data.get("label") or not data.get("scoreMaximum"):
                return "a line item needs a label and a scoreMaximum", 400
            item = platform.add_line_item(context_id, label=data["label"],
                                          resource_id=data.get("resourceId", ""),
                                          tag=data.get("tag", ""),
                                          score_maximum=data["scoreMaximum"])
            return Response(json.dumps(item), status=201,
                            mimetype="application/vnd.ims.lis.v2.lineitem+json")

        @app.post("/courses/<context_id>/lineitems/<int:number>/scores")
        def post_score(context_id, number):
            platform._require_scope(SCORE)
            item_id = f"{platform.lineitems_url(context_id)}/{number}"
            if item_id not in platform.line_items:
                return "no such line item", 404
            if request.content_type != "application/vnd.ims.lis.v1.score+json":
                return "wrong content type", 415
            if platform.fail_next_scores:
                status, body = platform.fail_next_scores.pop(0)
                return body, status
            score = json.loads(request.data)
            missing = {"userId", "scoreGiven", "scoreMaximum", "activityProgress",
                       "gradingProgress", "timestamp"} - set(score)
            if missing:
                return f"missing {sorted(missing)}", 400
            if score["userId"] not in platform.courses[context_id].members:
                return f"user {score['userId']} is not in the course", 400
            received = platform.scores[item_id]
            previous = [s for s in received if s["userId"] == score["userId"]]
            when = datetime.fromisoformat(score["timestamp"])
            if previous and datetime.fromisoformat(previous[-1]["timestamp"]) > when:
                platform.refused_scores.append(score)
                return "Refusing score with an earlier timestamp", 409
            received.append(score)
            return "", 204

        @app.get("/courses/<context_id>/memberships")
        def memberships(context_id):
            platform._require_scope(MEMBERSHIP)
            if request.accept_mimetypes.best != \
                    "application/vnd.ims.lti-nrps.v2.membershipcontainer+json":
                return "wrong accept header", 406
            platform.membership_requests += 1
            course = platform.courses[context_id]
            page = int(request.args.get("page", 1))
            size = platform.members_page_size
            ids = course.members[(page - 1) * size: page * size]
            members = []
            for user_id in ids:
                user = platform.users[user_id]
                member = {"user_id": user.user_id, "roles": user.roles, "status": user.status,
                          "name": user.name, "given_name": user.given_name,
                          "family_name": user.family_name}
                if user.email:
                    member["email"] = user.email
                members.append(member)
            response = jsonify({"id": request.url, "context": {"id": context_id,
                                                               "title": course.title},
                                "members": members})
            if page * size < len(course.members):
                response.headers["Link"] = (f'<{platform.memberships_url(context_id)}?'
                                            f'{urlencode({"page": page + 1})}>; rel="next"')
            return response

        @app.get("/.well-known/openid-configuration")
        def openid_configuration():
            return jsonify({
                "issuer": platform.issuer,
                "authorization_endpoint": platform.auth_login_url,
                "token_endpoint": platform.token_url,
                "jwks_uri": platform.key_set_url,
                "registration_endpoint": f"{platform.url}/register",
                "token_endpoint_auth_methods_supported": ["private_key_jwt"],
                "token_endpoint_auth_signing_alg_values_supported": ["RS256"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "scopes_supported": ["openid", *AGS_SCOPES, MEMBERSHIP],
                "response_types_supported": ["id_token"],
                "subject_types_supported": ["public", "pairwise"],
                "claims_supported": ["iss", "aud", "sub", "name", "email"],
                "https://purl.imsglobal.org/spec/lti-platform-configuration": {
                    "product_family_code": "moodle", "version": "4.5",
                    "messages_supported": [{"type": "LtiResourceLinkRequest"},
                                           {"type": "LtiDeepLinkingRequest"}]},
            })

        @app.post("/register")
        def register():
            if request.headers.get("Authorization") != f"Bearer {platform.registration_token}":
                return jsonify({"error": "invalid registration token"}), 401
            data = request.get_json(silent=True) or {}
            required = {"initiate_login_uri", "redirect_uris", "jwks_uri", "client_name",
                        "https://purl.imsglobal.org/spec/lti-tool-configuration"}
            if missing := required - set(data):
                return jsonify({"error": f"missing {sorted(missing)}"}), 400
            platform.registrations.append(data)
            platform.tool_login_url = data["initiate_login_uri"]
            platform.tool_redirect_uris = list(data["redirect_uris"])
            answer = dict(data, client_id=platform.client_id)
            answer["https://purl.imsglobal.org/spec/lti-tool-configuration"] = dict(
                data["https://purl.imsglobal.org/spec/lti-tool-configuration"],
                deployment_id=platform.deployment_id)
            return jsonify(answer)

        return app


def auto_post(url: str, fields: dict) -> str:
    """An HTML page whose form posts ``fields`` to ``url`` as soon as it loads."""
    inputs = "".join(f'<input type="hidden" name="{escape(name)}" value="{escape(str(value))}">'
                     for name, value in fields.items() if value is not None)
    return (f'<!doctype html><form id="post" method="post" action="{escape(url)}">{inputs}'
            f'<button type="submit">Continue</button></form>'
            f'<script>document.getElementById("post").submit();</script>')
