package demo

// codeKind is the shape of a sender's verification code.
type codeKind int

const (
	codeNone    codeKind = iota // a notification without a code
	codeDigits4                 // 4821
	codeDigits5                 // 48213
	codeDigits6                 // 482913
	codeDigits7                 // 4829137
	codeDigits8                 // 48291375
	codeDash6                   // 482-913
	codeSpace6                  // 482 913
	codeG6                      // G-482913
	codeFB5                     // FB-48213
	codeAlnum6                  // K7Q2PX
	codeAlnum8                  // 7KQ2PX9M
)

// codeKinds are the kinds a generated sender draws from, common ones twice.
var codeKinds = []codeKind{codeDigits6, codeDigits6, codeDigits6, codeDigits4, codeDigits5, codeDigits6, codeDigits8,
	codeDash6, codeSpace6, codeAlnum6, codeAlnum8, codeNone}

// brand is a well-known sender with its own message formats. Templates use
// {brand} and {code}; {amount}, {ref} and {card} are filled in for
// notifications. Languages without a template of the brand use the generic
// templates of the receiving number's language when the brand is global,
// else the brand's first language.
type brand struct {
	name   string
	code   codeKind
	global bool
	tmpl   map[string][]string
	langs  []string // order of tmpl's keys, the first is the brand's home
}

func b(name string, code codeKind, global bool, pairs ...string) brand {
	br := brand{name: name, code: code, global: global, tmpl: map[string][]string{}}
	for i := 0; i+1 < len(pairs); i += 2 {
		if _, ok := br.tmpl[pairs[i]]; !ok {
			br.langs = append(br.langs, pairs[i])
		}
		br.tmpl[pairs[i]] = append(br.tmpl[pairs[i]], pairs[i+1])
	}
	return br
}

// brands are the first senders, busiest first.
var brands = []brand{
	b("WhatsApp", codeDash6, true,
		"en", "Your WhatsApp code: {code}\nDon't share this code with others",
		"en", "Your WhatsApp code: {code}\nYou can also tap on this link to verify your phone: v.whatsapp.com/{plain}\nDon't share this code with others",
		"es", "Tu código de WhatsApp: {code}\nNo compartas este código con nadie",
		"pt", "Seu código do WhatsApp: {code}\nNão compartilhe esse código com ninguém",
		"de", "Dein WhatsApp-Code: {code}\nTeile diesen Code mit niemandem",
		"ru", "Ваш код WhatsApp: {code}\nНикому не сообщайте этот код",
		"ar", "رمز WhatsApp الخاص بك: {code}\nلا تشارك هذا الرمز مع أي شخص",
		"hi", "आपका WhatsApp कोड: {code}\nयह कोड किसी के साथ साझा न करें",
		"tr", "WhatsApp kodunuz: {code}\nBu kodu kimseyle paylaşmayın"),
	b("Google", codeG6, true,
		"en", "{code} is your Google verification code.",
		"en", "{code} is your Google verification code. Don't share it with anyone.",
		"es", "{code} es tu código de verificación de Google.",
		"de", "{code} ist dein Bestätigungscode von Google.",
		"fr", "{code} est votre code de validation Google.",
		"pt", "{code} é seu código de verificação do Google.",
		"zh", "{code} 是您的 Google 验证码。",
		"ru", "{code} – ваш код подтверждения Google.",
		"tr", "Google doğrulama kodunuz: {code}"),
	b("Telegram", codeDigits5, true,
		"en", "Telegram code: {code}\n\nYou can also tap on this link to log in:\nhttps://t.me/login/{code}",
		"en", "Telegram code {code}\n\nDo not give this code to anyone, even if they say they are from Telegram!",
		"ru", "Код подтверждения Telegram: {code}\n\nНикому не давайте код, даже если его требуют от имени Telegram!",
		"es", "Código de Telegram: {code}\n\n¡No le des este código a nadie!"),
	b("+9009", codeDigits6, true,
		"en", "Your verification code is {code}",
		"en", "{code} is your verification code. It expires in 10 minutes."),
	b("Microsoft", codeDigits7, true,
		"en", "Use {code} as Microsoft account password reset code",
		"en", "Use {code} as Microsoft account security code",
		"de", "Verwenden Sie {code} als Sicherheitscode für das Microsoft-Konto",
		"fr", "Utilisez le code {code} comme code de sécurité du compte Microsoft"),
	b("Apple", codeDigits6, true,
		"en", "Your Apple ID Code is: {code}. Don't share it with anyone.",
		"en", "Your Apple Account code is: {code}. Don't share it with anyone.\n\n@apple.com #{code} %apple.com",
		"fr", "Votre code d'identifiant Apple est : {code}. Ne le partagez avec personne.",
		"zh", "您的 Apple ID 验证码为：{code}。请勿与他人共享。"),
	b("Facebook", codeFB5, true,
		"en", "{code} is your Facebook confirmation code",
		"en", "Facebook: {code} is your login code. Don't share it.",
		"es", "{code} es tu código de confirmación de Facebook",
		"pt", "{code} é seu código de confirmação do Facebook"),
	b("Instagram", codeSpace6, true,
		"en", "{code} is your Instagram code. Don't share it.",
		"en", "Use {code} to verify your Instagram account. #ig",
		"tr", "{code} Instagram kodunuzdur. Paylaşmayın."),
	b("TikTok", codeDigits6, true,
		"en", "[TikTok] {code} is your verification code, valid for 5 minutes. To keep your account safe, never forward this code.",
		"es", "[TikTok] {code} es tu código de verificación, válido durante 5 minutos. Nunca reenvíes este código.",
		"pt", "[TikTok] {code} é seu código de verificação, válido por 5 minutos. Nunca encaminhe este código.",
		"ar", "[TikTok] {code} هو رمز التحقق الخاص بك، صالح لمدة 5 دقائق."),
	b("Uber", codeDigits4, true,
		"en", "Your Uber code: {code}. Never share this code. Reply STOP ENDUBER to unsubscribe.",
		"es", "Tu código de Uber es {code}. No compartas este código.",
		"pt", "Seu código Uber é {code}. Nunca compartilhe este código.",
		"fr", "Votre code Uber : {code}. Ne partagez jamais ce code."),
	b("Amazon", codeDigits6, true,
		"en", "{code} is your Amazon OTP. Do not share it with anyone.",
		"de", "{code} ist Ihr Amazon-Einmalpasswort. Geben Sie es nicht weiter.",
		"hi", "{code} आपका Amazon OTP है। इसे किसी के साथ साझा न करें।"),
	b("PayPal", codeDigits6, true,
		"en", "PayPal: Your security code is: {code}. Your code expires in 10 minutes. Please don't reply to this message.",
		"de", "PayPal: Ihr Sicherheitscode lautet: {code}. Der Code ist 10 Minuten gültig.",
		"fr", "PayPal : votre code de sécurité est : {code}. Il expire dans 10 minutes."),
	b("Discord", codeDigits6, true,
		"en", "Your Discord security code is: {code}"),
	b("Revolut", codeDash6, true,
		"en", "Revolut: your verification code is {code}. Never share it with anyone, even Revolut staff. 🔐",
		"en", "Revolut: card payment of {amount} at {ref} declined. Open the app to check it.",
		"es", "Revolut: tu código de verificación es {code}. No lo compartas con nadie."),
	b("HSBC", codeDigits6, false,
		"en", "HSBC: {code} is your one-time passcode for online banking. We will never ask you for this code.",
		"en", "HSBC: a payment of {amount} to {ref} was made from your account ending {card}. Not you? Call us."),
	b("Santander", codeDigits8, false,
		"es", "Santander: tu clave de firma es {code}. No la facilites a nadie.",
		"es", "Santander: compra de {amount} con tu tarjeta terminada en {card} en {ref}."),
	b("Nubank", codeDigits6, false,
		"pt", "Nubank: seu código de verificação é {code}. Não compartilhe com ninguém. 💜",
		"pt", "Nubank: compra aprovada de {amount} em {ref} no cartão final {card}."),
	b("Sberbank", codeDigits5, false,
		"ru", "Никому не сообщайте код {code}! Вход в СберБанк Онлайн.",
		"ru", "СБЕРБАНК: покупка {amount} в {ref}, карта *{card}."),
	b("ING", codeDigits6, false,
		"de", "ING: Ihre mobileTAN lautet {code}. Geben Sie diese TAN niemals weiter.",
		"en", "ING: your verification code is {code}."),
	b("BNP", codeDigits6, false,
		"fr", "BNP Paribas : votre code de sécurité est {code}. Ne le communiquez jamais.",
		"fr", "BNP Paribas : paiement de {amount} chez {ref} avec la carte *{card}."),
	b("ICICIB", codeDigits6, false,
		"hi", "{code} आपका ICICI Bank OTP है। कृपया इसे किसी के साथ साझा न करें।",
		"en", "Dear Customer, {code} is your OTP for transaction of {amount} on ICICI Bank card XX{card}. Do not share it with anyone."),
	b("GarantiBBVA", codeDigits6, false,
		"tr", "Garanti BBVA: işleminiz için tek kullanımlık şifreniz {code}. Şifrenizi kimseyle paylaşmayın.",
		"tr", "Garanti BBVA: *{card} kartınızla {ref} işyerinde {amount} harcama yapıldı."),
	b("ICBC", codeDigits6, false,
		"zh", "【工商银行】您的验证码为{code}，请勿告诉他人。",
		"zh", "【工商银行】您尾号{card}的卡消费{amount}，商户：{ref}。"),
	b("AlRajhiBank", codeDigits4, false,
		"ar", "رمز التحقق: {code} لا تشاركه مع أحد. مصرف الراجحي",
		"ar", "شراء عبر نقاط البيع بمبلغ {amount} من {ref} بطاقة {card}"),
	b("Yandex", codeDigits6, false,
		"ru", "Ваш код подтверждения: {code}. Наберите его в поле ввода.",
		"ru", "Код для входа в Яндекс ID: {code}"),
	b("WeChat", codeDigits6, false,
		"zh", "【腾讯科技】您的微信验证码为：{code}，5分钟内有效，请勿泄露给他人。"),
	b("Alipay", codeDigits6, false,
		"zh", "【支付宝】验证码{code}，您正在登录支付宝，5分钟内有效。"),
	b("Paytm", codeDigits6, false,
		"hi", "{code} आपका Paytm लॉगिन OTP है। इसे किसी के साथ साझा न करें।",
		"en", "{code} is your Paytm login OTP. Do not share it with anyone. -Paytm"),
	b("Getir", codeDigits4, false,
		"tr", "Getir doğrulama kodunuz: {code} 💜",
		"tr", "Siparişiniz yola çıktı! 🛵 Kurye {ref} yakında kapınızda."),
	b("iFood", codeDigits6, false,
		"pt", "iFood: seu código de acesso é {code}. Não compartilhe. 🍔"),
	b("Rappi", codeDigits4, false,
		"es", "Tu código Rappi es {code}. No lo compartas con nadie. 🛵"),
	b("Bolt", codeDigits4, true,
		"en", "Your Bolt code is: {code}. Do not share it with anyone.",
		"de", "Dein Bolt-Code lautet: {code}"),
	b("Netflix", codeDigits6, true,
		"en", "Netflix: your verification code is {code}. Don't share it.",
		"fr", "Netflix : votre code de vérification est {code}."),
	b("Airbnb", codeDigits6, true,
		"en", "Your Airbnb verification code is: {code}. Don't share this code with anyone; our employees will never ask for the code."),
	b("Binance", codeDigits6, true,
		"en", "[Binance] Your verification code is {code}. Do not share this code with anyone, including Binance staff. ⚠️"),
	b("Steam", codeAlnum6, true,
		"en", "Steam Guard code: {code}\nIf you did not request this code, someone may be trying to log in to your account."),
	b("LinkedIn", codeDigits6, true,
		"en", "Your LinkedIn verification code is {code}."),
	b("Snapchat", codeDigits6, true,
		"en", "Snapchat code: {code}. Happy Snapping! 👻"),
	b("Signal", codeDash6, true,
		"en", "Your Signal code: {code}\nDo not share this code\n\ndoDiFGKPO1r"),
	b("Viber", codeDigits6, true,
		"en", "Your Viber code: {code}",
		"ru", "Ваш код Viber: {code}"),
	b("LINE", codeDigits6, true,
		"en", "[LINE] Your verification code is {code}."),
	b("Tinder", codeDigits6, true,
		"en", "Your Tinder code is {code} 🔥 Don't share"),
	b("DHL", codeNone, true,
		"en", "DHL: your parcel {ref} is out for delivery today 📦 Track it at dhl.com",
		"de", "DHL: Ihre Sendung {ref} wird heute zugestellt 📦",
		"es", "DHL: tu envío {ref} se entregará hoy 📦"),
	b("Wolt", codeAlnum8, true,
		"en", "Your Wolt login code is {code}. Enjoy! 🍕"),
}

// generic are the templates of senders without their own, by language.
var generic = map[string][]string{
	"en": {"Your {brand} verification code is {code}", "{code} is your {brand} code. Don't share it with anyone.", "{brand}: use {code} to sign in. It expires in 10 minutes.", "{brand} code: {code} ✅"},
	"es": {"Tu código de {brand} es {code}", "{code} es tu código de verificación de {brand}. No lo compartas."},
	"pt": {"Seu código {brand} é {code}. Não compartilhe.", "{code} é o seu código de verificação do {brand}"},
	"de": {"Ihr {brand}-Bestätigungscode lautet {code}", "{code} ist dein {brand} Code. Gib ihn nicht weiter."},
	"fr": {"Votre code {brand} est {code}", "{code} est votre code de vérification {brand}. Ne le partagez pas."},
	"ru": {"Ваш код {brand}: {code}", "{brand}: код подтверждения {code}. Никому не сообщайте его."},
	"zh": {"【{brand}】您的验证码是{code}，5分钟内有效。", "{brand}验证码：{code}，请勿泄露。"},
	"ar": {"رمز التحقق الخاص بك في {brand} هو {code}", "{code} هو رمز {brand} الخاص بك. لا تشاركه."},
	"hi": {"आपका {brand} सत्यापन कोड {code} है। इसे किसी के साथ साझा न करें।", "{brand}: आपका OTP {code} है 🔐"},
	"tr": {"{brand} doğrulama kodunuz: {code}. Bu kodu kimseyle paylaşmayın.", "{code} {brand} giriş kodunuzdur."},
}

// notices are generic messages without a code.
var notices = map[string][]string{
	"en": {"{brand}: your order {ref} has shipped 📦", "{brand}: your appointment is confirmed for tomorrow. Reply C to cancel."},
	"es": {"{brand}: tu pedido {ref} ha sido enviado 📦"},
	"pt": {"{brand}: seu pedido {ref} foi enviado 📦"},
	"de": {"{brand}: Ihre Bestellung {ref} wurde versandt 📦"},
	"fr": {"{brand} : votre commande {ref} a été expédiée 📦"},
	"ru": {"{brand}: ваш заказ {ref} отправлен 📦"},
	"zh": {"【{brand}】您的订单{ref}已发货 📦"},
	"ar": {"{brand}: تم شحن طلبك {ref} 📦"},
	"hi": {"{brand}: आपका ऑर्डर {ref} भेज दिया गया है 📦"},
	"tr": {"{brand}: {ref} numaralı siparişiniz kargoya verildi 📦"},
}

// country is a country the demo numbers are in, with the language its
// messages mostly arrive in.
type country struct {
	code string
	lang string
}

// countries in the order numbers are given out: the first twelve numbers
// are in twelve countries.
var countries = []country{
	{"GB", "en"}, {"US", "en"}, {"DE", "de"}, {"FR", "fr"}, {"ES", "es"}, {"BR", "pt"},
	{"IN", "hi"}, {"RU", "ru"}, {"CN", "zh"}, {"TR", "tr"}, {"SA", "ar"}, {"MX", "es"},
	{"NL", "en"}, {"SE", "en"}, {"PL", "en"}, {"PT", "pt"}, {"CA", "en"}, {"AU", "en"},
	{"EG", "ar"}, {"AR", "es"}, {"UA", "ru"}, {"ID", "en"}, {"NG", "en"}, {"ZA", "en"},
	{"IT", "en"}, {"CO", "es"}, {"KZ", "ru"}, {"PH", "en"}, {"AT", "de"}, {"BE", "fr"},
}

// Syllables of invented sender names.
var (
	namePrefix = []string{"Nova", "Zen", "Blu", "Quik", "Lumi", "Kiro", "Vela", "Tara", "Mondo", "Flux", "Orbi", "Pix",
		"Sola", "Vivo", "Astra", "Brio", "Coda", "Dexa", "Evo", "Giga", "Hexa", "Ivo", "Juno", "Kobo"}
	nameSuffix = []string{"pay", "ly", "go", "hub", "bank", "mart", "cab", "fit", "bit", "ex", "io", "ora",
		"net", "cash", "ride", "shop", "food", "play", "care", "mail"}
	merchants = []string{"TESCO", "Carrefour", "Lidl", "Starbucks", "Zara", "IKEA", "Shell", "McDonald's", "Mercadona", "Migros"}
)
