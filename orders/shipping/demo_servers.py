"""GHN and GHTK on loopback: small HTTP servers that answer the carriers' documented endpoints with
the documented shapes (errors and 429 rate limits included) and send their documented webhooks.

The test suite exercises the adapters through them; `make demo` runs them so that the demo's
carrier accounts book real (pretend) parcels:

    python -m orders.shipping.demo_servers --ghn-port 8701 --ghtk-port 8702 \\
        --ghn-webhook URL --ghtk-webhook URL --advance-every 20

With `--advance-every N`, every N seconds each open parcel moves one step (picked up, delivering,
delivered) and the server posts the webhook, so an order moves on its own after "create shipment".
"""

import argparse
import itertools
import json
import threading
import time
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
# GHTK writes its "modified" times in Vietnam time, without an offset.
VIETNAM = timezone(timedelta(hours=7))


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class _Handler(BaseHTTPRequestHandler):
    server_version = "carrier-loopback"

    def log_message(self, *args):  # keep test output quiet
        return

    def _answer(self, status: int, body, content_type="application/json", headers=None):
        content = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(content)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(content)

    def _dispatch(self, method: str):
        carrier = self.server.carrier
        url = urllib.parse.urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            body = None
        carrier.requests.append((method, url.path, body, {k.lower(): v for k, v in self.headers.items()}))
        if carrier.take_rate_limit():
            return self._answer(429, carrier.rate_limited(), headers={"Retry-After": "1"})
        if body is None:
            return self._answer(400, carrier.error(400, "body is not JSON"))
        status, answer, *rest = carrier.handle(
            method, url.path, dict(urllib.parse.parse_qsl(url.query)), body, self.headers
        )
        self._answer(status, answer, *rest)

    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")


class CarrierServer:
    """One carrier on 127.0.0.1: its parcels in memory, the requests it saw, the webhook it posts to."""

    def __init__(self, *, token: str, port: int = 0, webhook_url: str = ""):
        self.token, self.webhook_url = token, webhook_url
        self.parcels: dict[str, dict] = {}
        self.requests: list = []
        self.webhooks_sent: list[dict] = []
        self._lock = threading.Lock()
        self._rate_limited = 0
        self._codes = itertools.count(1)
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
        self.httpd.carrier = self
        self.httpd.daemon_threads = True
        # shutdown() waits for the loop to look at its flag: every 0.5 s by default, every 50 ms here.
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def start(self) -> "CarrierServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def rate_limit_next(self, count: int = 1) -> None:
        """Answer the next `count` requests with 429 Too Many Requests."""
        with self._lock:
            self._rate_limited = count

    def take_rate_limit(self) -> bool:
        with self._lock:
            if self._rate_limited > 0:
                self._rate_limited -= 1
                return True
        return False

    def post_webhook(self, payload: dict, url: str = "", form: bool = False) -> int:
        """POST `payload` to the registered webhook URL as the carrier does; returns the HTTP status."""
        target = url or self.webhook_url
        data = urllib.parse.urlencode(payload).encode() if form else json.dumps(payload).encode()
        kind = "application/x-www-form-urlencoded" if form else "application/json"
        request = urllib.request.Request(target, data=data, method="POST", headers={"Content-Type": kind})  # noqa: S310
        self.webhooks_sent.append(payload)
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 (loopback)
                return answer.status
        except urllib.error.HTTPError as error:
            return error.code

    def next_code(self) -> int:
        return next(self._codes)

    # Subclasses: handle(), error(), rate_limited(), advance().


class GHNServer(CarrierServer):
    """GHN's Shiip public API v2: Token and ShopId headers, `{"code", "message", "data"}` answers."""

    FLOW = ["picking", "picked", "storing", "delivering", "delivered"]

    def __init__(self, *, token: str, shop_id: str, **kwargs):
        super().__init__(token=token, **kwargs)
        self.shop_id = shop_id
        self.tokens: dict[str, list[str]] = {}

    def error(self, code: int, message: str, code_message: str = "USER_ERR_COMMON") -> dict:
        return {"code": code, "message": message, "code_message": code_message, "data": None}

    def rate_limited(self) -> dict:
        return self.error(429, "Too many requests", "TOO_MANY_REQUEST")

    def handle(self, method, path, query, body, headers):
        if path == "/a5/public-api/printA5":
            codes = self.tokens.get(query.get("token", ""), [])
            if not codes:
                return 404, b"<html><body>Token expired</body></html>", "text/html"
            page = "".join(f"<section><h1>{code}</h1></section>" for code in codes)
            return 200, f"<html><body>{page}</body></html>".encode(), "text/html; charset=utf-8"
        if headers.get("Token") != self.token:
            return 401, self.error(401, "Token is not valid!", "USER_ERR_AUTH")
        if str(headers.get("ShopId")) != self.shop_id:
            return 400, self.error(400, "ShopId is not valid", "USER_ERR_SHOP")
        route = {
            "/shiip/public-api/v2/shipping-order/fee": self._fee,
            "/shiip/public-api/v2/shipping-order/create": self._create,
            "/shiip/public-api/v2/switch-status/cancel": self._cancel,
            "/shiip/public-api/v2/a5/gen-token": self._gen_token,
            "/shiip/public-api/v2/shipping-order/detail": self._detail,
        }.get(path)
        if route is None or method != "POST":
            return 404, self.error(404, "Not found")
        return route(body)

    @staticmethod
    def insurance_for(body: dict) -> int:
        return int(int(body.get("insurance_value") or 0) * 0.005)

    @classmethod
    def fee_for(cls, body: dict) -> int:
        # A plain tariff: 22 000 ₫ for the first 500 g, 5 000 ₫ per further 500 g, insurance 0.5 %.
        extra = max(0, (int(body.get("weight") or 0) - 1) // 500)
        return 22000 + 5000 * extra + cls.insurance_for(body)

    def _check_route(self, body: dict):
        if not body.get("to_ward_code") or not body.get("to_district_id"):
            return 400, self.error(400, "to_ward_code and to_district_id are required", "USER_ERR_ADDRESS")
        if int(body.get("weight") or 0) <= 0 or int(body.get("weight")) > 50000:
            return 400, self.error(400, "weight must be 1 to 50000 gram")
        return None

    def _fee(self, body):
        refused = self._check_route(body)
        if refused:
            return refused
        total = self.fee_for(body)
        return 200, {
            "code": 200,
            "message": "Success",
            "data": {"total": total, "service_fee": total, "insurance_fee": self.insurance_for(body), "cod_fee": 0},
        }

    def _create(self, body):
        refused = self._check_route(body)
        if refused:
            return refused
        if int(body.get("cod_amount") or 0) > 50_000_000:
            return 400, self.error(400, "cod_amount must be at most 50.000.000")
        for name in ("to_name", "to_phone", "to_address"):
            if not body.get(name):
                return 400, self.error(400, f"{name} is required")
        with self._lock:
            if any(p["client_order_code"] == body.get("client_order_code") for p in self.parcels.values()):
                return 400, self.error(400, "client_order_code đã tồn tại", "USER_ERR_DUPLICATE")
            code = f"GHN{self.next_code():06d}VN"
            total = self.fee_for(body)
            self.parcels[code] = {
                "client_order_code": body.get("client_order_code"),
                "status": "ready_to_pick",
                "cod_amount": int(body.get("cod_amount") or 0),
                "total_fee": total,
                "log": [{"status": "ready_to_pick", "updated_date": _now()}],
            }
        data = {
            "order_code": code,
            "sort_code": "19-22-08",
            "trans_type": "truck",
            "total_fee": total,
            "fee": {"main_service": total, "insurance": 0},
            "expected_delivery_time": "2026-12-05T16:59:59Z",
        }
        return 200, {"code": 200, "message": "Success", "message_display": "Tạo đơn hàng thành công.", "data": data}

    def _cancel(self, body):
        results = []
        with self._lock:
            for code in body.get("order_codes") or []:
                parcel = self.parcels.get(code)
                ok = parcel is not None and parcel["status"] in ("ready_to_pick", "picking")
                if ok:
                    parcel["status"] = "cancel"
                    parcel["log"].append({"status": "cancel", "updated_date": _now()})
                results.append({"order_code": code, "result": ok, "message": "OK" if ok else "Không thể hủy đơn"})
        return 200, {"code": 200, "message": "Success", "data": results}

    def _gen_token(self, body):
        codes = [code for code in body.get("order_codes") or [] if code in self.parcels]
        if not codes:
            return 400, self.error(400, "order_codes not found")
        token = f"tok-{self.next_code()}"
        self.tokens[token] = codes
        return 200, {"code": 200, "message": "Success", "data": {"token": token}}

    def _detail(self, body):
        parcel = self.parcels.get(body.get("order_code", ""))
        if parcel is None:
            return 400, self.error(400, "Không tìm thấy đơn hàng", "USER_ERR_NOT_FOUND")
        data = {
            "order_code": body["order_code"],
            "status": parcel["status"],
            "log": parcel["log"],
            "cod_amount": parcel["cod_amount"],
            "updated_date": parcel["log"][-1]["updated_date"],
        }
        return 200, {"code": 200, "message": "Success", "data": data}

    def set_status(self, code: str, status: str, *, send: bool = True, at: str = "", reason: str = "") -> int | None:
        """Move the parcel to `status` (as GHN's hub would) and post its callback."""
        at = at or _now()
        with self._lock:
            parcel = self.parcels[code]
            parcel["status"] = status
            parcel["log"].append({"status": status, "updated_date": at})
        return self.post_webhook(self.callback(code, status, at, reason)) if send else None

    def callback(self, code: str, status: str, at: str, reason: str = "") -> dict:
        parcel = self.parcels[code]
        return {
            "CODAmount": parcel["cod_amount"],
            "CODTransferDate": None,
            "ClientOrderCode": parcel["client_order_code"],
            "ConvertedWeight": 500,
            "Description": status,
            "Fee": {"MainService": parcel["total_fee"]},
            "Height": 5,
            "IsPartialReturn": False,
            "Length": 20,
            "OrderCode": code,
            "PartialReturnCode": "",
            "PaymentType": 1,
            "Reason": reason,
            "ReasonCode": "",
            "ShopID": int(self.shop_id),
            "Status": status,
            "Time": at,
            "TotalFee": parcel["total_fee"],
            "Type": "switch_status",
            "Warehouse": "Bưu cục demo",
            "Weight": 500,
            "Width": 15,
        }

    def advance(self) -> None:
        for code, parcel in list(self.parcels.items()):
            if parcel["status"] in self.FLOW[:-1] or parcel["status"] == "ready_to_pick":
                position = self.FLOW.index(parcel["status"]) if parcel["status"] in self.FLOW else -1
                self.set_status(code, self.FLOW[position + 1])


class GHTKServer(CarrierServer):
    """GHTK's shipment API: Token header, `{"success", "message"}` answers, numeric status ids."""

    FLOW = ["2", "3", "4", "5"]

    def __init__(self, *, token: str, webhook_hash: str = "", **kwargs):
        super().__init__(token=token, **kwargs)
        self.webhook_hash = webhook_hash

    def error(self, code: int, message: str) -> dict:
        return {"success": False, "message": message}

    def rate_limited(self) -> dict:
        return {"success": False, "message": "Too many requests, please try again later."}

    def handle(self, method, path, query, body, headers):
        if headers.get("Token") != self.token:
            return 401, {"success": False, "message": "Token không hợp lệ"}
        if method == "GET" and path == "/services/shipment/fee":
            return self._fee(query)
        if method == "POST" and path == "/services/shipment/order":
            return self._create(body)
        label = path.rsplit("/", 1)[-1]
        if method == "POST" and path.startswith("/services/shipment/cancel/"):
            return self._cancel(label)
        if method == "GET" and path.startswith("/services/label/"):
            if label not in self.parcels:
                return 200, {"success": False, "message": "Không tìm thấy vận đơn"}
            return 200, PDF, "application/pdf"
        if method == "GET" and path.startswith("/services/shipment/v2/"):
            return self._status(label)
        return 404, {"success": False, "message": "Not found"}

    @staticmethod
    def fee_for(weight_grams: int) -> int:
        return 20000 + 2500 * max(0, (weight_grams - 1) // 500)

    def _fee(self, query):
        if not query.get("province") or not query.get("district"):
            return 200, {"success": False, "message": "Thiếu thông tin tỉnh/quận nhận hàng"}
        fee = self.fee_for(int(query.get("weight") or 0))
        return 200, {
            "success": True,
            "message": "",
            "fee": {"name": "area1", "fee": fee, "insurance_fee": 0, "delivery": True},
        }

    def _create(self, body):
        order, products = body.get("order") or {}, body.get("products") or []
        for name in ("id", "name", "tel", "address", "province", "district", "pick_address", "pick_province"):
            if not order.get(name):
                return 200, {"success": False, "message": f"Thiếu trường {name}", "error": {"code": "MISSING_FIELD"}}
        if not products:
            return 200, {"success": False, "message": "Thiếu danh sách sản phẩm"}
        with self._lock:
            if any(p["partner_id"] == order["id"] for p in self.parcels.values()):
                return 200, {
                    "success": False,
                    "message": "Mã đơn hàng đã tồn tại",
                    "error": {"code": "ORDER_ID_EXIST", "partner_id": order["id"]},
                }
            label = f"S1.A1.{self.next_code():08d}"
            weight = int(sum(float(p.get("weight") or 0) * 1000 * int(p.get("quantity") or 1) for p in products))
            fee = self.fee_for(weight)
            self.parcels[label] = {
                "partner_id": order["id"],
                "status": "2",
                "pick_money": int(order.get("pick_money") or 0),
                "fee": fee,
                "modified": datetime.now(VIETNAM).strftime("%Y-%m-%d %H:%M:%S"),
            }
        answer = {
            "partner_id": order["id"],
            "label": label,
            "area": 1,
            "fee": fee,
            "insurance_fee": 0,
            "estimated_pick_time": "Sáng 2026-12-03",
            "estimated_deliver_time": "Chiều 2026-12-04",
            "products": [],
            "status_id": 2,
        }
        return 200, {
            "success": True,
            "message": "Các đơn hàng đã được add vào hệ thống GHTK thành công.",
            "order": answer,
        }

    def _cancel(self, label):
        with self._lock:
            parcel = self.parcels.get(label)
            if parcel is None:
                return 200, {"success": False, "message": "Không tìm thấy vận đơn"}
            if parcel["status"] not in ("1", "2", "12"):
                return 200, {"success": False, "message": "Đơn hàng đã lấy, không thể hủy"}
            parcel["status"] = "-1"
        return 200, {"success": True, "message": ""}

    def _status(self, label):
        parcel = self.parcels.get(label)
        if parcel is None:
            return 200, {"success": False, "message": "Không tìm thấy vận đơn"}
        order = {
            "label_id": label,
            "partner_id": parcel["partner_id"],
            "status": parcel["status"],
            "status_text": parcel["status"],
            "modified": parcel["modified"],
            "pick_money": parcel["pick_money"],
            "ship_money": parcel["fee"],
        }
        return 200, {"success": True, "message": "", "order": order}

    def set_status(
        self, label: str, status_id: str, *, send: bool = True, at: str = "", reason: str = ""
    ) -> int | None:
        """Move the parcel to `status_id` and post GHTK's status webhook (form-encoded, as GHTK does)."""
        moment = datetime.fromisoformat(at) if at else datetime.now(UTC)
        with self._lock:
            parcel = self.parcels[label]
            parcel["status"] = str(status_id)
            parcel["modified"] = moment.astimezone(VIETNAM).strftime("%Y-%m-%d %H:%M:%S")
        if not send:
            return None
        payload = {
            "partner_id": parcel["partner_id"],
            "label_id": label,
            "status_id": int(status_id),
            "action_time": moment.isoformat(),
            "reason_code": "",
            "reason": reason,
            "weight": 0.5,
            "fee": parcel["fee"],
            "pick_money": parcel["pick_money"],
            "return_part_package": 0,
        }
        url = self.webhook_url
        if self.webhook_hash and "hash=" not in url:
            url = f"{url}{'&' if '?' in url else '?'}hash={urllib.parse.quote(self.webhook_hash)}"
        return self.post_webhook(payload, url=url, form=True)

    def advance(self) -> None:
        for label, parcel in list(self.parcels.items()):
            if parcel["status"] in self.FLOW[:-1]:
                self.set_status(label, self.FLOW[self.FLOW.index(parcel["status"]) + 1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ghn-port", type=int, default=8701)
    parser.add_argument("--ghtk-port", type=int, default=8702)
    parser.add_argument("--ghn-token", default="demo-ghn-token")
    parser.add_argument("--ghn-shop-id", default="885")
    parser.add_argument("--ghtk-token", default="demo-ghtk-token")
    parser.add_argument("--ghtk-hash", default="demo-ghtk-hash")
    parser.add_argument("--ghn-webhook", default="")
    parser.add_argument("--ghtk-webhook", default="")
    parser.add_argument("--advance-every", type=float, default=0, help="seconds between steps; 0: never")
    args = parser.parse_args()
    servers = [
        GHNServer(token=args.ghn_token, shop_id=args.ghn_shop_id, port=args.ghn_port, webhook_url=args.ghn_webhook),
        GHTKServer(
            token=args.ghtk_token, webhook_hash=args.ghtk_hash, port=args.ghtk_port, webhook_url=args.ghtk_webhook
        ),
    ]
    for server in servers:
        server.start()
        print(f"{type(server).__name__} on {server.url}", flush=True)  # noqa: T201
    try:
        while True:
            time.sleep(args.advance_every or 3600)
            if args.advance_every:
                for server in servers:
                    if server.webhook_url:
                        server.advance()
    except KeyboardInterrupt:
        for server in servers:
            server.stop()


if __name__ == "__main__":
    main()
