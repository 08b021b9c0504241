"""What the reports demo tells: its dates, producers and products month by month, the
counterfeit reports and how they end, and the wards' report narratives (data only; the loading
is `reports.demo`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from traceability.registry.models import (
    IpKind,
    IpStatus,
    OcopGroup,
    ProducerKind,
    ProductCategory,
    SiteKind,
)
from traceability.stamps.models import ReportState

DEMO_WRITTEN_ON = dt.date(2026, 12, 1)
SEED = 2610
MONTHS_CLOSED = 6  # closing snapshots of the six finished months before the current one
STAFF_EMAIL = "staff@demo.dongnai.vn"
OFFICER_EMAIL = "officer@demo.dongnai.vn"
MARKER_TAX_CODE = "3603890125"  # the first producer this demo adds: present = already loaded

# Wards of the 2030 extension whose roll-out began early, one after another since September.
EXTENSION_STARTS = (
    ("26248", dt.date(2026, 9, 14)),  # Trảng Bom
    ("26368", dt.date(2026, 10, 5)),  # Long Thành
    ("25363", dt.date(2026, 11, 2)),  # Đồng Phú
    ("26485", dt.date(2026, 11, 16)),  # Nhơn Trạch
)

# The registry demo's producers (by tax code): registered and verified in March, the pending one
# in November; its products submitted in April and verified in May, the key product in November.
REGISTRY_PRODUCERS = {
    "3603456781": (dt.date(2026, 3, 3), dt.date(2026, 3, 11)),
    "3603567892": (dt.date(2026, 3, 5), dt.date(2026, 3, 16)),
    "3801234563": (dt.date(2026, 3, 10), dt.date(2026, 3, 19)),
    "075186001234": (dt.date(2026, 3, 12), dt.date(2026, 3, 24)),
    "3603678903": (dt.date(2026, 3, 17), dt.date(2026, 3, 27)),
    "3603789014": (dt.date(2026, 11, 12), None),
}
# The registry demo lists its three 4- and 5-star products on the portal one after another.
REGISTRY_LISTED = {
    "Bưởi đường lá cam Tân Triều": dt.date(2026, 6, 2),
    "Hạt điều rang muối Bình Phước": dt.date(2026, 7, 27),
    "Cà phê rang xay Xuân Lộc": dt.date(2026, 9, 15),
}
REGISTRY_PRODUCTS = {  # by name: (submitted, reviewed)
    "Bưởi đường lá cam Tân Triều": (dt.date(2026, 4, 6), dt.date(2026, 5, 4)),
    "Chôm chôm Java Long Khánh": (dt.date(2026, 4, 9), dt.date(2026, 5, 8)),
    "Hạt điều rang muối Bình Phước": (dt.date(2026, 4, 14), dt.date(2026, 5, 12)),
    "Tiêu đen hữu cơ Cẩm Mỹ": (dt.date(2026, 4, 20), dt.date(2026, 5, 18)),
    "Cà phê rang xay Xuân Lộc": (dt.date(2026, 4, 24), dt.date(2026, 5, 20)),
    "Bưởi ổi Tân Triều": (dt.date(2026, 11, 16), None),
}


@dataclass
class ProductPlan:
    item: str
    name: str
    category: ProductCategory
    submitted: dt.date | None
    verified: dt.date | None = None
    listed: dt.date | None = None
    ip: tuple | None = None  # (status, kind, number, filed on, protected on or None)
    ocop: tuple | None = None  # (group, stars, certificate no, valid from)
    standards: list = field(default_factory=list)
    fresh: bool = False  # fresh fruit and mushrooms keep for weeks, the rest for a year


@dataclass
class ProducerPlan:
    legal_name: str
    kind: ProducerKind
    tax_code: str
    prefix: str
    ward_code: str
    address: str
    contact_name: str
    phone: str
    site: tuple  # (name, kind, crop or species, certifications)
    registered: dt.date
    verified: dt.date | None
    products: list[ProductPlan]


F, P = IpStatus.FILED, IpStatus.PROTECTED
PRODUCERS = [
    ProducerPlan(
        "Hợp tác xã Nông nghiệp Xoài cát Định Quán",
        ProducerKind.COOPERATIVE,
        MARKER_TAX_CODE,
        "8938578",
        "26206",
        "Ấp Hòa Thành, Định Quán",
        "Ngô Văn Sang",
        "0251 3852 410",
        ("Vườn xoài Hòa Thành", SiteKind.GROWING_AREA, "Xoài cát Hòa Lộc", ["VietGAP"]),
        dt.date(2026, 5, 4),
        dt.date(2026, 5, 14),
        [
            ProductPlan(
                "00014",
                "Xoài cát Hòa Lộc Định Quán",
                ProductCategory.KEY_PRODUCT,
                dt.date(2026, 5, 20),
                dt.date(2026, 5, 27),
                dt.date(2026, 7, 20),
                ip=(F, IpKind.COLLECTIVE_MARK, "", dt.date(2026, 8, 10), None),
                standards=["VietGAP"],
                fresh=True,
            ),
            ProductPlan(
                "00021",
                "Xoài sấy dẻo Định Quán",
                ProductCategory.OCOP,
                dt.date(2026, 5, 20),
                dt.date(2026, 5, 29),
                dt.date(2026, 8, 26),
                ocop=(OcopGroup.FOOD, 3, "162/OCOP-ĐN", dt.date(2025, 9, 1)),
                standards=["HACCP"],
            ),
        ],
    ),
    ProducerPlan(
        "Công ty TNHH Yến sào Long Thành",
        ProducerKind.ENTERPRISE,
        "3604012347",
        "8938589",
        "26368",
        "Khu phố Phước Hòa, Long Thành",
        "Trịnh Thị Yến",
        "0251 3544 118",
        ("Nhà yến và xưởng tinh chế Phước Hòa", SiteKind.PROCESSING, "Yến sào", ["HACCP"]),
        dt.date(2026, 6, 2),
        dt.date(2026, 6, 10),
        [
            ProductPlan(
                "00016",
                "Yến sào tinh chế Long Thành",
                ProductCategory.OCOP,
                dt.date(2026, 6, 8),
                dt.date(2026, 6, 12),
                dt.date(2026, 6, 16),
                ip=(P, IpKind.TRADEMARK, "4-0412987-000", dt.date(2024, 3, 1), None),
                ocop=(OcopGroup.FOOD, 4, "118/OCOP-ĐN", dt.date(2024, 6, 20)),
                standards=["HACCP", "ISO 22000"],
            ),
            ProductPlan(
                "00023",
                "Nước yến đông trùng hạ thảo",
                ProductCategory.OCOP,
                dt.date(2026, 7, 3),
                dt.date(2026, 7, 10),
                dt.date(2026, 10, 20),
                ip=(F, IpKind.TRADEMARK, "", dt.date(2026, 9, 22), None),
                ocop=(OcopGroup.DRINKS, 3, "171/OCOP-ĐN", dt.date(2025, 11, 5)),
                standards=["ISO 22000"],
            ),
        ],
    ),
    ProducerPlan(
        "Hợp tác xã Ca cao Trảng Bom",
        ProducerKind.COOPERATIVE,
        "3604123458",
        "8938590",
        "26248",
        "Ấp Quảng Biên, Trảng Bom",
        "Lý Minh Hiếu",
        "0251 3866 207",
        ("Vườn ca cao Quảng Biên", SiteKind.GROWING_AREA, "Ca cao TD5, TD14", ["VietGAP"]),
        dt.date(2026, 6, 22),
        dt.date(2026, 7, 8),
        [
            ProductPlan(
                "00018",
                "Sô-cô-la ca cao Trảng Bom",
                ProductCategory.OCOP,
                dt.date(2026, 7, 15),
                dt.date(2026, 7, 24),
                dt.date(2026, 8, 18),
                ip=(F, IpKind.COLLECTIVE_MARK, "", dt.date(2026, 7, 28), None),
                ocop=(OcopGroup.FOOD, 4, "133/OCOP-ĐN", dt.date(2025, 4, 12)),
                standards=["HACCP"],
            ),
            ProductPlan(
                "00025",
                "Bột ca cao nguyên chất Trảng Bom",
                ProductCategory.AGRICULTURAL,
                dt.date(2026, 8, 5),
                dt.date(2026, 8, 12),
                dt.date(2026, 11, 10),
            ),
        ],
    ),
    ProducerPlan(
        "Hộ kinh doanh Mật ong Mã Đà",
        ProducerKind.HOUSEHOLD,
        "075190004567",
        "8938601",
        "26170",
        "Tổ 4, ấp Mã Đà, Trị An",
        "Bùi Thị Hoa",
        "0913 482 615",
        ("Trại ong Mã Đà", SiteKind.FARMING_AREA, "Ong nội, ong ngoại", []),
        dt.date(2026, 7, 20),
        dt.date(2026, 8, 4),
        [
            ProductPlan(
                "00012",
                "Mật ong hoa cà phê Mã Đà",
                ProductCategory.OCOP,
                dt.date(2026, 8, 12),
                dt.date(2026, 8, 20),
                ocop=(OcopGroup.FOOD, 3, "074/OCOP-ĐN", dt.date(2023, 10, 16)),  # expired 15/10
            ),
        ],
    ),
    ProducerPlan(
        "Hợp tác xã Trái cây Long Khánh",
        ProducerKind.COOPERATIVE,
        "3604234569",
        "8938612",
        "26080",
        "Ấp Suối Chồn, Long Khánh",
        "Đỗ Văn Lực",
        "0251 3781 334",
        ("Vùng trái cây Suối Chồn", SiteKind.GROWING_AREA, "Măng cụt, chuối", ["VietGAP"]),
        dt.date(2026, 8, 3),
        dt.date(2026, 8, 19),
        [
            ProductPlan(
                "00010",
                "Măng cụt Long Khánh",
                ProductCategory.KEY_PRODUCT,
                dt.date(2026, 8, 25),
                dt.date(2026, 9, 3),
                dt.date(2026, 9, 28),
                ip=(F, IpKind.COLLECTIVE_MARK, "", dt.date(2026, 10, 5), None),
                standards=["VietGAP"],
                fresh=True,
            ),
            ProductPlan(
                "00027",
                "Chuối sấy Long Khánh",
                ProductCategory.AGRICULTURAL,
                dt.date(2026, 11, 5),
                dt.date(2026, 11, 17),
            ),
        ],
    ),
    ProducerPlan(
        "Công ty Cổ phần Hạt điều Đồng Phú",
        ProducerKind.ENTERPRISE,
        "3801345670",
        "8938623",
        "25363",
        "Khu phố Tân Hòa, Đồng Phú",
        "Trương Văn Lâm",
        "0271 3819 552",
        ("Xưởng chế biến Tân Hòa", SiteKind.PROCESSING, "Hạt điều", ["HACCP"]),
        dt.date(2026, 8, 24),
        dt.date(2026, 9, 2),
        [
            ProductPlan(
                "00011",
                "Hạt điều rang củi Đồng Phú",
                ProductCategory.OCOP,
                dt.date(2026, 9, 8),
                dt.date(2026, 9, 16),
                dt.date(2026, 10, 7),
                ip=(F, IpKind.TRADEMARK, "", dt.date(2026, 11, 3), None),
                ocop=(OcopGroup.FOOD, 4, "089/OCOP-ĐN", dt.date(2024, 2, 1)),  # ends 31/1
                standards=["HACCP"],
            ),
            ProductPlan(
                "00029",
                "Nhân điều WW240 Đồng Phú",
                ProductCategory.AGRICULTURAL,
                dt.date(2026, 9, 8),
                dt.date(2026, 9, 18),
                dt.date(2026, 11, 18),
            ),
        ],
    ),
    ProducerPlan(
        "Hợp tác xã Nấm Xuân Lộc",
        ProducerKind.COOPERATIVE,
        "3604345670",
        "8938634",
        "26425",
        "Ấp Trung Lương, Xuân Lộc",
        "Phan Thị Mỹ",
        "0251 3743 690",
        ("Trại nấm Trung Lương", SiteKind.FARMING_AREA, "Nấm bào ngư, linh chi", ["VietGAP"]),
        dt.date(2026, 9, 15),
        dt.date(2026, 9, 30),
        [
            ProductPlan(
                "00013",
                "Nấm bào ngư Xuân Lộc",
                ProductCategory.OCOP,
                dt.date(2026, 10, 2),
                dt.date(2026, 10, 13),
                dt.date(2026, 11, 24),
                ocop=(OcopGroup.FOOD, 3, "188/OCOP-ĐN", dt.date(2026, 7, 10)),
                standards=["VietGAP"],
                fresh=True,
            ),
            ProductPlan(
                "00020",
                "Nấm linh chi đỏ Xuân Lộc",
                ProductCategory.KEY_PRODUCT,
                dt.date(2026, 10, 20),
                dt.date(2026, 11, 4),
                ip=(F, IpKind.TRADEMARK, "", dt.date(2026, 11, 20), None),
            ),
        ],
    ),
    ProducerPlan(
        "Hộ kinh doanh Tiêu sọ Lộc Ninh",
        ProducerKind.HOUSEHOLD,
        "070188009876",
        "8938645",
        "25270",
        "Ấp 5, Lộc Ninh",
        "Lâm Văn Tư",
        "0975 260 813",
        ("Vườn tiêu ấp 5", SiteKind.GROWING_AREA, "Tiêu Vĩnh Linh", []),
        dt.date(2026, 11, 19),
        None,  # waiting for the Department's check
        [ProductPlan("00015", "Tiêu sọ Lộc Ninh", ProductCategory.KEY_PRODUCT, None)],
    ),
]

REPORT_MESSAGES = (
    ("Tem dán lệch, mã in mờ, hộp nhẹ hơn hộp mua ở cửa hàng của hợp tác xã.", "Chợ Biên Hòa"),
    ("Quét tem thấy báo đã quét nhiều lần ở nơi khác, nghi tem bị sao chép.", "Sạp chợ Long Khánh"),
    ("Sản phẩm bán giá rẻ bất thường trên mạng, tem giống nhưng bao bì khác.", "Trang bán hàng"),
    ("Mùi vị khác hẳn lần trước, tem không bóc được nguyên vẹn.", "Cửa hàng ở Trảng Dài"),
    ("Người bán nói là hàng của hợp tác xã nhưng tem báo sản phẩm đã quét 9 lần.", "Chợ Tân Phú"),
    ("Hộp không có số lô in trên đáy, tem dán đè lên tem khác.", "Đại lý ở Xuân Lộc"),
    ("Tem quét ra sản phẩm khác với sản phẩm trong túi.", "Chợ đầu mối Dầu Giây"),
    ("Bao bì in sai tên hợp tác xã, tem vẫn quét được.", "Tạp hóa ở Long Thành"),
    ("Tem quét được nhưng màu in khác, nghi tem in lại.", "Chợ Đồng Xoài"),
)
REPORT_STAFF_NOTES = {
    ReportState.CONFIRMED: "Đoàn kiểm tra xác nhận tem bị sao chép; đã báo cơ sở sản xuất.",
    ReportState.DISMISSED: "Đã kiểm tra: hàng thật, tem bị trầy khi vận chuyển.",
    ReportState.INVESTIGATING: "Đã chuyển đội quản lý thị trường kiểm tra điểm bán.",
}
# How the reports end, in the order they arrive (the last ones are still being looked at).
REPORT_ENDINGS = (
    ReportState.CONFIRMED,
    ReportState.DISMISSED,
    ReportState.CONFIRMED,
    ReportState.CONFIRMED,
    ReportState.DISMISSED,
    ReportState.CONFIRMED,
    ReportState.CONFIRMED,
    ReportState.INVESTIGATING,
    ReportState.NEW,
)

NARRATIVES = {
    "activities": (
        "Tổ công nghệ số cộng đồng khảo sát và hướng dẫn các cửa hàng tạp hóa, sạp chợ mở tài "
        "khoản thanh toán không dùng tiền mặt; tổ chức 2 buổi tập huấn truy xuất nguồn gốc cho "
        "hợp tác xã và hộ sản xuất."
    ),
    "difficulties": (
        "Nhiều tiểu thương lớn tuổi chưa quen dùng điện thoại thông minh; một số sạp chợ chỉ "
        "bán buổi sáng nên khó sắp xếp thời gian đánh giá."
    ),
    "proposals": (
        "Đề nghị Sở hỗ trợ thêm tài liệu hướng dẫn bằng hình ảnh và kinh phí in tem cho các hộ "
        "sản xuất nhỏ."
    ),
}
RETURN_COMMENT = (
    "Phần khó khăn cần nêu rõ số cửa hàng chưa đánh giá được và lý do; bổ sung kết quả tập huấn."
)
