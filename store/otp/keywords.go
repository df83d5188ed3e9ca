package otp

import (
	"strings"
	"unicode"
)

// Keyword lists. A strong keyword names a code ("code", "OTP", "пароль",
// "验证码"); a weak one names the act the code is for ("verify", "login").
// Both let a number count as a code; only a strong one shields the number
// from the negative words that come before it ("account security code:
// 1234" is a code, "booking confirmation 123456" is not).
var (
	strongWords = setOf(
		"code", "codes", "otp", "pin", "passcode", "password", "passwort", "kennwort",
		"tan", "mtan", "smstan", "pushtan", "clave", "código", "codigo", "codice", "senha",
		"contraseña", "passe", "kode", "kod", "kodu", "kodunuz", "kodun", "hasło", "haslo",
		"wachtwoord", "sandi", "mã", "şifre", "şifreniz", "şifresi", "sifre", "parola",
		"κωδικός", "κωδικό", "קוד", "كود", "الكود", "رمز", "الرمز", "کد", "कोड",
		"ओटीपी", "पासवर्ड", "пароль", "код", "кода", "коду", "кодом", "пин", "pincode",
		"pinkode",
	)
	strongPrefixes = []string{
		"код", "парол", "kod", "kód", "passw", "passc", "kennw", "contrase", "códig",
		"codig", "codic", "senh", "hasł", "hasl", "wachtw", "şifre", "κωδικ", "otp",
	}
	weakWords = setOf(
		"login", "signin", "logon", "2fa", "mfa", "token", "security", "xác", "auth",
		"seguridad", "segurança", "sécurité", "sicherheit", "вход", "входа", "giriş",
		"masuk", "logowania", "inloggen", "accesso", "acceso", "acesso", "connexion",
	)
	weakPrefixes = []string{
		"verif", "vérif", "confirm", "bestätig", "authent", "autentic", "autentik",
		"подтвержд", "підтвердж", "doğrula", "dogrula", "проверочн", "تحقق", "التحقق",
		"सत्यापन", "weryfik", "uwierzyteln",
	}
	// compoundSuffixes make a compound word a strong keyword
	// ("Bestätigungscode", "verificatiecode", "engångskod").
	compoundSuffixes = []string{"code", "kode", "kod", "codes"}
	// promoWords beside a keyword say it names something else: a discount,
	// an invitation, a postcode, a parcel.
	promoWords = setOf(
		"promo", "promotional", "promocional", "promoción", "promocion", "promoção",
		"promotion", "discount", "descuento", "desconto", "coupon", "cupon", "cupón",
		"cupom", "voucher", "gift", "referral", "referido", "invite", "invitation",
		"postal", "post", "zip", "area", "country", "qr", "bar", "source", "error",
		"réduction", "reduction", "sconto", "rabatt", "gutschein", "rabat", "kupon",
		"indirim", "скидка", "скидки", "скидку", "промо", "tracking", "rastreio",
		"rastreamento", "seguimiento", "suivi", "redeem", "reward", "rewards", "bonus",
		"affiliate", "sendungsverfolgung", "dress", "swift", "sort", "iban", "bic",
		"kampanya", "hediye", "regalo", "cadeau", "geschenk",
	)
	// promoPrefixes make a compound keyword a promotion ("promocode").
	promoPrefixes = []string{
		"promo", "bar", "post", "zip", "qr", "rabatt", "gutschein", "aktions", "coupon",
		"voucher", "gift", "geo", "uni", "source", "area", "discount", "kupon", "rabat",
		"indirim", "промо", "geschenk", "invite", "referral",
	}
	// cjkStrong and cjkWeak are found anywhere in runs of Han, kana,
	// Hangul and Thai, which do not separate words with spaces.
	cjkStrong = []string{
		"验证码", "驗證碼", "校验码", "校驗碼", "动态码", "動態碼", "确认码", "確認碼",
		"认证码", "認證碼", "安全码", "登录码", "验证代码", "密码", "口令", "認証コード",
		"確認コード", "認証番号", "確認番号", "暗証番号", "認証キー", "パスコード",
		"パスワード", "セキュリティコード", "検証コード", "ログインコード", "인증번호",
		"인증코드", "확인코드", "보안코드", "비밀번호", "코드", "รหัส",
	}
	cjkWeak = []string{"验证", "驗證", "認証", "인증", "ยืนยัน"}
	// cjkPromo before a CJK keyword says it names a promotion.
	cjkPromo = []string{"쿠폰", "할인", "추천", "초대", "クーポン", "プロモ", "招待", "优惠", "邀请", "兑换"}
	// negWords shortly before a number say it is no code: an order,
	// a parcel, an account or card, an amount, a phone number.
	negWords = setOf(
		"order", "orders", "pedido", "commande", "bestellung", "bestellnummer", "заказ",
		"заказа", "sipariş", "siparis", "ordine", "tracking", "track", "shipment", "parcel",
		"package", "paket", "invoice", "factura", "fatura", "rechnung", "ref", "reference",
		"référence", "referencia", "referência", "booking", "reservation", "reserva",
		"account", "acct", "card", "cards", "ending", "ends", "txn", "transaction", "ticket",
		"flight", "seat", "room", "member", "customer", "policy", "ext", "extension", "call",
		"phone", "tel", "mobile", "fax", "balance", "saldo", "total", "amount", "amt", "счет",
		"счёт", "карта", "карты", "kart", "tarjeta", "cartão", "carte", "karte", "conta",
		"cuenta", "compte", "konto", "hesap", "rekening", "pesanan", "resi", "bestelnummer",
		"ticketnummer", "kundennummer", "vorgang", "aktenzeichen", "year", "since", "until",
	)
	// currencyWords right before a number say it is an amount, and a few
	// abbreviations that it is some other number.
	currencyWords = setOf(
		"rs", "inr", "usd", "eur", "gbp", "rub", "brl", "mxn", "try", "aed", "sar", "egp",
		"ngn", "kes", "zar", "idr", "rp", "vnd", "php", "thb", "cad", "aud", "chf", "jpy",
		"cny", "krw", "uah", "kzt", "pkr", "bdt", "cop", "ars", "clp", "pen", "tl", "uzs",
		"nr", "nº", "no", "points", "pts",
	)
	// unitWords just after a number say it is a quantity or an amount.
	unitWords = setOf(
		"mb", "gb", "kb", "tb", "min", "mins", "minute", "minutes", "minutos", "minuti",
		"minuten", "sec", "secs", "second", "seconds", "hours", "hrs", "hour", "days",
		"días", "dias", "giorni", "tage", "jours", "points", "pts", "pontos", "puntos",
		"punkte", "km", "kg", "m", "sms", "usd", "eur", "gbp", "inr", "rub", "brl", "mxn",
		"try", "tl", "yen", "yuan", "dollars", "dollar", "euros", "euro", "pounds",
		"rupees", "rs", "reais", "real", "pesos", "lira", "liras", "rubles", "рублей",
		"руб", "рубля", "грн", "сум", "тенге", "мин", "минут", "дней", "gün", "dakika",
		"saat", "aed", "sar", "egp", "ngn", "kes", "zar", "idr", "vnd", "php", "thb",
		"cad", "aud", "chf", "jpy", "cny", "krw", "uah", "kzt", "pkr", "bdt", "cop",
		"ars", "clp", "pen", "miles", "mi", "ft", "steps", "times", "items", "votes",
		"likes", "followers", "views", "users", "people", "members", "calories", "kcal",
		"ml", "l", "g", "lbs", "lb", "oz", "hz", "mhz", "ghz", "mbps", "gbps", "kwh",
		"cents", "centavos", "pence", "won", "đ", "dong", "rupiah", "ringgit", "baht",
		"dirham", "dirhams", "riyal", "riyals", "naira", "shillings", "rand",
	)
	// cjkUnits just after a number (without a space) say it is an amount,
	// a date or a quantity.
	cjkUnits = "元円원分秒天年月日号時时점개건명년월일시個个位次條条"
	// letterStop are upper-case words never taken as letter codes.
	letterStop = setOf(
		"CODE", "CODES", "OTP", "PIN", "SMS", "HTTP", "HTTPS", "WWW", "NOTE", "STOP",
		"HELP", "INFO", "FREE", "VALID", "NEVER", "YOUR", "BANK", "THIS", "THAT", "WITH",
		"FROM", "HERE", "THE", "DO", "NOT", "SHARE", "ANYONE", "EXPIRES", "ONLY", "USE",
		"LOGIN", "SIGN", "VERIFY", "PLEASE", "ENTER", "TEXT", "REPLY", "CALL", "SEND",
		"UBER", "LYFT", "APPLE", "GOOGLE", "CARD", "PASSWORD", "ACCOUNT", "SECURITY",
		"WILL", "ASK", "FOR", "AND", "ENDS", "IN", "IS", "TO", "OF", "ON", "AT", "BY",
		"ONE", "TIME", "SENT", "SEND", "DONT", "ASAP", "TEAM",
	)
)

func setOf(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

// prefixIndex groups prefixes by their first byte, so that a word is
// compared only with the prefixes that may match it.
type prefixIndex [256][]string

func indexPrefixes(prefixes []string) *prefixIndex {
	var ix prefixIndex
	for _, p := range prefixes {
		ix[p[0]] = append(ix[p[0]], p)
	}
	return &ix
}

var (
	strongIndex = indexPrefixes(strongPrefixes)
	weakIndex   = indexPrefixes(weakPrefixes)
	promoIndex  = indexPrefixes(promoPrefixes)
)

func (ix *prefixIndex) match(s string) bool {
	if s == "" {
		return false
	}
	for _, p := range ix[s[0]] {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// keywordStrength says whether a lower-case word is a keyword: 2 strong,
// 1 weak, 0 none.
func keywordStrength(w string) int {
	switch {
	case strongWords[w]:
		return 2
	case weakWords[w]:
		return 1
	case promoIndex.match(w):
		return 0
	case strongIndex.match(w):
		return 2
	case weakIndex.match(w):
		return 1
	}
	for _, s := range compoundSuffixes {
		if len(w) > len(s)+2 && strings.HasSuffix(w, s) {
			return 2
		}
	}
	return 0
}

// isCJK reports whether r belongs to a script written without spaces
// between words.
func isCJK(r rune) bool {
	if r < 0x0E00 {
		return false
	}
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul, unicode.Thai)
}
