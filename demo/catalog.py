"""The demo's master data: two real-looking 3PL warehouses and two merchants' catalogues."""

from decimal import Decimal

WAREHOUSES = [
    {
        "code": "SLC", "name": "Salt Lake City Fulfillment Center", "address_line1": "4300 W 2100 S",
        "address_line2": "Building C", "city": "Salt Lake City", "state": "UT", "postal_code": "84120",
        "country": "US", "latitude": Decimal("40.725190"), "longitude": Decimal("-111.985870"),
        "timezone": "America/Denver",
    },
    {
        "code": "NSH", "name": "Nashville Fulfillment Center", "address_line1": "1500 Elm Hill Pike",
        "address_line2": "Dock 4", "city": "Nashville", "state": "TN", "postal_code": "37210",
        "country": "US", "latitude": Decimal("36.148740"), "longitude": Decimal("-86.712610"),
        "timezone": "America/Chicago",
    },
]

CLIENTS = [
    {"code": "CASCADE", "name": "Cascade Outfitters", "contact_email": "ops@cascade-outfitters.example"},
    {"code": "BRIGHTLEAF", "name": "Brightleaf Tea Co.", "contact_email": "fulfilment@brightleaf.example"},
]

# sku, name, weight g, length x width x height mm, unit value
CASCADE_PRODUCTS = [
    ("CO-TNT-2P", "Ridgeline 2-Person Backpacking Tent", 1850, 510, 180, 160, "289.00"),
    ("CO-TNT-4P", "Basecamp 4-Person Dome Tent", 4600, 640, 250, 240, "419.00"),
    ("CO-SB-20F", "Alpine 20°F Down Sleeping Bag", 1100, 420, 230, 230, "249.95"),
    ("CO-SB-40F", "Summit 40°F Synthetic Sleeping Bag", 950, 380, 210, 210, "129.95"),
    ("CO-PAD-UL", "Featherlite Inflatable Sleeping Pad", 410, 230, 110, 110, "139.00"),
    ("CO-PK-45", "Trailhead 45L Backpack", 1450, 600, 320, 220, "199.00"),
    ("CO-PK-28", "Daytripper 28L Daypack", 780, 480, 290, 180, "109.00"),
    ("CO-HL-400", "Beacon 400 Lumen Headlamp", 95, 90, 60, 50, "44.95"),
    ("CO-STV-TI", "Titanium Canister Stove", 73, 80, 60, 60, "59.95"),
    ("CO-POT-1L", "Hard-Anodized 1L Cook Pot", 260, 140, 140, 110, "39.95"),
    ("CO-WF-SQZ", "SqueezeFlow Water Filter", 85, 160, 60, 60, "36.95"),
    ("CO-BTL-1L", "Insulated Steel Bottle 1L", 420, 280, 90, 90, "34.00"),
    ("CO-TP-CARB", "Carbon Trekking Poles (pair)", 480, 660, 90, 70, "169.00"),
    ("CO-JKT-RN-M", "Stormline Rain Jacket — Men's M", 380, 300, 250, 50, "179.00"),
    ("CO-JKT-RN-L", "Stormline Rain Jacket — Men's L", 400, 300, 250, 55, "179.00"),
    ("CO-JKT-DN-W", "Loft Down Jacket — Women's S", 310, 300, 240, 60, "229.00"),
    ("CO-FLC-M", "Polar Fleece Pullover — M", 450, 300, 250, 60, "79.00"),
    ("CO-BNE-WL", "Merino Wool Beanie", 80, 200, 150, 20, "29.00"),
    ("CO-GLV-M", "Softshell Gloves — M", 120, 240, 120, 30, "45.00"),
    ("CO-SCK-3P", "Hiking Socks 3-Pack", 210, 220, 110, 50, "32.00"),
    ("CO-CHR-LT", "Packable Camp Chair", 960, 380, 130, 110, "99.00"),
    ("CO-HMK-SG", "Single Hammock with Straps", 540, 200, 140, 110, "64.95"),
    ("CO-LNT-CMP", "Rechargeable Camp Lantern", 330, 140, 90, 90, "49.95"),
    ("CO-KNF-FLD", "Folding Pocket Knife", 110, 120, 40, 20, "39.00"),
    ("CO-FAK-TRL", "Trail First-Aid Kit", 290, 180, 120, 70, "34.95"),
    ("CO-MAP-CMP", "Baseplate Map Compass", 45, 110, 60, 15, "24.95"),
    ("CO-DRY-20", "Roll-Top Dry Bag 20L", 190, 300, 200, 40, "27.00"),
    ("CO-CRB-6P", "Aluminium Carabiners 6-Pack", 150, 120, 90, 40, "21.00"),
    ("CO-GTR-LG", "Waterproof Gaiters — L", 260, 330, 160, 50, "54.00"),
    ("CO-TWL-QD", "Quick-Dry Trek Towel", 160, 220, 120, 50, "22.00"),
    ("CO-BV-BEAR", "Bear-Resistant Food Canister", 1160, 300, 220, 220, "84.95"),
    ("CO-SLP-LNR", "Silk Sleeping Bag Liner", 130, 160, 90, 90, "59.00"),
]

BRIGHTLEAF_PRODUCTS = [
    ("BL-GRN-SEN-100", "Sencha Green Tea, loose leaf 100 g", 130, 160, 90, 60, "14.50"),
    ("BL-GRN-MAT-30", "Ceremonial Matcha 30 g tin", 70, 80, 80, 80, "28.00"),
    ("BL-GRN-JAS-100", "Jasmine Pearls 100 g", 130, 160, 90, 60, "18.00"),
    ("BL-BLK-ASM-250", "Assam Breakfast Black Tea 250 g", 290, 200, 110, 70, "16.00"),
    ("BL-BLK-EGR-100", "Earl Grey Supreme 100 g", 130, 160, 90, 60, "13.50"),
    ("BL-BLK-DRJ-100", "First Flush Darjeeling 100 g", 130, 160, 90, 60, "24.00"),
    ("BL-OOL-TGY-100", "Tieguanyin Oolong 100 g", 130, 160, 90, 60, "21.00"),
    ("BL-WHT-SIL-50", "Silver Needle White Tea 50 g", 80, 160, 90, 60, "26.00"),
    ("BL-HRB-CHM-50", "Chamomile Flowers 50 g", 70, 160, 90, 60, "9.50"),
    ("BL-HRB-PEP-50", "Peppermint Leaf 50 g", 70, 160, 90, 60, "8.50"),
    ("BL-HRB-RBS-100", "Rooibos Vanilla 100 g", 130, 160, 90, 60, "11.00"),
    ("BL-CHI-MSL-250", "Masala Chai Blend 250 g", 290, 200, 110, 70, "15.00"),
    ("BL-BAG-EGR-20", "Earl Grey, 20 pyramid bags", 60, 130, 80, 80, "7.50"),
    ("BL-BAG-SEN-20", "Sencha, 20 pyramid bags", 60, 130, 80, 80, "7.50"),
    ("BL-BAG-CHM-20", "Chamomile, 20 pyramid bags", 50, 130, 80, 80, "6.50"),
    ("BL-SMP-DSC-8", "Discovery Sampler, 8 teas", 240, 220, 160, 50, "32.00"),
    ("BL-GFT-BOX-L", "Gift Box, 4 tins", 780, 300, 220, 90, "59.00"),
    ("BL-TPT-GLS-600", "Borosilicate Glass Teapot 600 ml", 620, 200, 160, 150, "36.00"),
    ("BL-TPT-CI-800", "Cast Iron Tetsubin 800 ml", 1450, 190, 170, 150, "79.00"),
    ("BL-CUP-PRC-2", "Porcelain Cups, set of 2", 380, 200, 110, 80, "24.00"),
    ("BL-MUG-INF", "Infuser Mug 350 ml", 410, 140, 120, 110, "22.00"),
    ("BL-INF-STL", "Stainless Steel Infuser Basket", 40, 90, 90, 60, "9.00"),
    ("BL-WHK-BMB", "Bamboo Matcha Whisk (chasen)", 30, 110, 70, 70, "18.00"),
    ("BL-SCP-BMB", "Bamboo Tea Scoop", 10, 180, 20, 10, "6.00"),
    ("BL-KTL-GOO", "Gooseneck Kettle 1 L, temperature control", 1150, 300, 200, 190, "89.00"),
    ("BL-TIN-100", "Airtight Storage Tin 100 g", 90, 80, 80, 90, "8.00"),
    ("BL-HNY-WLD-340", "Raw Wildflower Honey 340 g", 450, 90, 90, 120, "12.00"),
    ("BL-FLT-100", "Unbleached Tea Filters, 100", 60, 120, 90, 40, "5.50"),
    ("BL-SUB-MTH", "Tea of the Month Box", 420, 250, 180, 70, "29.00"),
    ("BL-TRY-SRV", "Acacia Serving Tray", 700, 400, 260, 30, "34.00"),
    ("BL-CSY-WL", "Felted Wool Tea Cosy", 120, 250, 200, 40, "19.00"),
    ("BL-BK-GUIDE", "The Tea Companion (book)", 520, 235, 155, 25, "22.00"),
]

# Products tracked by lot and expiry date (allocated first-expired-first-out).
LOT_TRACKED_SKUS = {"BL-HNY-WLD-340", "BL-GRN-MAT-30"}


def upc_a(seed: int) -> str:
    """A valid 12-digit UPC-A (check digit computed) from a number."""
    body = f"{seed:011d}"[-11:]
    odd = sum(int(d) for d in body[0::2])
    even = sum(int(d) for d in body[1::2])
    check = (10 - (odd * 3 + even) % 10) % 10
    return body + str(check)
